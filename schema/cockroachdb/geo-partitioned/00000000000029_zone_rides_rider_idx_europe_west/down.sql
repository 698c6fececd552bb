ALTER PARTITION europe_west OF INDEX rides@rides_rider_idx CONFIGURE ZONE DISCARD;
