-- A ride's price (issue 15 §2). Starting a ride copies the fare card in force
-- then (fare_currency, fare_unlock_fee, fare_per_minute, fare_per_km) onto
-- the ride, so a later card does not reprice it; ending it stores what
-- movr-core's fare rule charges (fare_minutes, fare_time, fare_distance,
-- fare_total), computed by the end statement itself. All amounts in minor
-- units (cents). distance_m is the distance ridden in metres: 0 until rides
-- report their path (issue 15 §1). Rides started before this migration (or in
-- a city and type without a card) have no prices, and no fare.
ALTER TABLE rides
    ADD COLUMN distance_m INT8 NOT NULL DEFAULT 0
        CONSTRAINT rides_distance_check CHECK (distance_m BETWEEN 0 AND 4294967295),
    ADD COLUMN fare_currency TEXT NULL,
    ADD COLUMN fare_unlock_fee INT8 NULL,
    ADD COLUMN fare_per_minute INT8 NULL,
    ADD COLUMN fare_per_km INT8 NULL,
    ADD COLUMN fare_minutes INT8 NULL,
    ADD COLUMN fare_time INT8 NULL,
    ADD COLUMN fare_distance INT8 NULL,
    ADD COLUMN fare_total INT8 NULL,
    ADD CONSTRAINT rides_fare_check CHECK (
        (fare_currency IS NULL AND fare_unlock_fee IS NULL AND fare_per_minute IS NULL
         AND fare_per_km IS NULL AND fare_minutes IS NULL AND fare_time IS NULL
         AND fare_distance IS NULL AND fare_total IS NULL)
        OR (fare_currency IS NOT NULL AND fare_unlock_fee IS NOT NULL AND fare_per_minute IS NOT NULL
            AND ((fare_minutes IS NULL AND fare_time IS NULL AND fare_distance IS NULL AND fare_total IS NULL)
                 OR (end_time IS NOT NULL AND fare_minutes IS NOT NULL AND fare_time IS NOT NULL
                     AND fare_distance IS NOT NULL
                     AND fare_total = fare_unlock_fee + fare_time + fare_distance))));
