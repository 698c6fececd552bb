-- Pin each partition of user_promo_codes to its region.
ALTER PARTITION us_east OF INDEX user_promo_codes@* CONFIGURE ZONE USING constraints = '[+region=gcp-us-east1]';
ALTER PARTITION us_west OF INDEX user_promo_codes@* CONFIGURE ZONE USING constraints = '[+region=gcp-us-west1]';
ALTER PARTITION europe_west OF INDEX user_promo_codes@* CONFIGURE ZONE USING constraints = '[+region=gcp-europe-west1]';
