-- Pin the us_west partition of user_promo_codes to its region.
ALTER PARTITION us_west OF INDEX user_promo_codes@* CONFIGURE ZONE USING constraints = '[+region=gcp-us-west1]';
