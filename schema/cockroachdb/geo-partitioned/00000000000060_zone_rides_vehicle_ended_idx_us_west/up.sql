-- Pin the us_west partition of rides_vehicle_ended_idx (rides in us_west's cities) to gcp-us-west1.
ALTER PARTITION us_west OF INDEX rides@rides_vehicle_ended_idx CONFIGURE ZONE USING constraints = '[+region=gcp-us-west1]';
