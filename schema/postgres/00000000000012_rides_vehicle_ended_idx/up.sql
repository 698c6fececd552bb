-- Owners' earnings (issue 15 §4): a page of an owner's vehicles, each with
-- its rides that ended in a period and the sum of their fares, is one
-- statement whose per-vehicle aggregate reads this index only (the fare
-- columns are included, so no table row is visited): the vehicle's rides
-- by the time they ended, in the vehicle's city's partition. Open rides
-- (end_time NULL) sort last and never fall in a period.
CREATE INDEX rides_vehicle_ended_idx ON rides (city, vehicle_id, end_time)
    INCLUDE (fare_unlock_fee, fare_time, fare_distance, fare_minutes);
