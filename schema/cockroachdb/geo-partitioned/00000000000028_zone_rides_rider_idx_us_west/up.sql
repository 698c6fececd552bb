-- Pin the us_west partition of rides_rider_idx (riders at home in us_west) to gcp-us-west1.
ALTER PARTITION us_west OF INDEX rides@rides_rider_idx CONFIGURE ZONE USING constraints = '[+region=gcp-us-west1]';
