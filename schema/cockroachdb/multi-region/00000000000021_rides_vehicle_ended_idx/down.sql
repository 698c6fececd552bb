DROP INDEX rides@rides_vehicle_ended_idx;
