ALTER INDEX rides@rides_vehicle_ended_idx PARTITION BY NOTHING;
