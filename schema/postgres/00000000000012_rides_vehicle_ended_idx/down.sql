DROP INDEX rides_vehicle_ended_idx;
