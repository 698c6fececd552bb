-- Pin the us_east partition of rides_rider_idx (riders at home in us_east) to gcp-us-east1.
ALTER PARTITION us_east OF INDEX rides@rides_rider_idx CONFIGURE ZONE USING constraints = '[+region=gcp-us-east1]';
