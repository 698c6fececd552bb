-- Pin the us_east partition of user_promo_codes to its region.
ALTER PARTITION us_east OF INDEX user_promo_codes@* CONFIGURE ZONE USING constraints = '[+region=gcp-us-east1]';
