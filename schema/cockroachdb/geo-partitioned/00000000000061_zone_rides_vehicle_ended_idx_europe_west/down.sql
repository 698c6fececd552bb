ALTER PARTITION europe_west OF INDEX rides@rides_vehicle_ended_idx CONFIGURE ZONE DISCARD;
