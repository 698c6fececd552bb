-- Pin the europe_west partition of rides_vehicle_ended_idx (rides in europe_west's cities) to gcp-europe-west1.
ALTER PARTITION europe_west OF INDEX rides@rides_vehicle_ended_idx CONFIGURE ZONE USING constraints = '[+region=gcp-europe-west1]';
