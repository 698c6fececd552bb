ALTER PARTITION us_east OF INDEX rides@rides_vehicle_ended_idx CONFIGURE ZONE DISCARD;
