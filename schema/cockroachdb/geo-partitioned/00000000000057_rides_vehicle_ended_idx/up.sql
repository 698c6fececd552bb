-- Owners' earnings (see schema/postgres/00000000000012_rides_vehicle_ended_idx):
-- a vehicle's rides by the time they ended, storing the fare columns the
-- earnings statement sums. Partitioned and placed by city next (54–57).
CREATE INDEX rides_vehicle_ended_idx ON rides (city, vehicle_id, end_time)
    STORING (fare_unlock_fee, fare_time, fare_distance, fare_minutes);
