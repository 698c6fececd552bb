-- Owners' earnings (see schema/postgres/00000000000012_rides_vehicle_ended_idx):
-- a vehicle's rides by the time they ended, storing the fare columns the
-- earnings statement sums. REGIONAL BY ROW, like its table: each entry
-- lives in the ride's (the vehicle's city's) region, and the statement
-- names the city, so a page of an owner's vehicles reads one region.
CREATE INDEX rides_vehicle_ended_idx ON rides (city, vehicle_id, end_time)
    STORING (fare_unlock_fee, fare_time, fare_distance, fare_minutes);
