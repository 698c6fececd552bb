-- Pin the europe_west partition of user_promo_codes to its region.
ALTER PARTITION europe_west OF INDEX user_promo_codes@* CONFIGURE ZONE USING constraints = '[+region=gcp-europe-west1]';
