-- Pin the us_east partition of rides_vehicle_ended_idx (rides in us_east's cities) to gcp-us-east1.
ALTER PARTITION us_east OF INDEX rides@rides_vehicle_ended_idx CONFIGURE ZONE USING constraints = '[+region=gcp-us-east1]';
