-- Pin the europe_west partition of rides_rider_idx (riders at home in europe_west) to gcp-europe-west1.
ALTER PARTITION europe_west OF INDEX rides@rides_rider_idx CONFIGURE ZONE USING constraints = '[+region=gcp-europe-west1]';
