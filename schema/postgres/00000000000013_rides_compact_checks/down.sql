ALTER TABLE rides
    DROP CONSTRAINT rides_fare_check,
    DROP CONSTRAINT rides_discount_check;

ALTER TABLE rides
    ADD CONSTRAINT rides_distance_check CHECK (distance_m BETWEEN 0 AND 4294967295),
    ADD CONSTRAINT rides_path_length_check CHECK (path_length_m >= 0),
    ADD CONSTRAINT rides_last_point_check CHECK (
        (last_longitude IS NULL) = (last_latitude IS NULL)
        AND (last_longitude IS NULL) = (last_reported_at IS NULL)),
    ADD CONSTRAINT rides_discount_check CHECK (
        fare_discount >= 0
        AND (fare_discount = 0 OR promo_code IS NOT NULL)
        AND (promo_code IS NULL OR fare_total IS NOT NULL)),
    ADD CONSTRAINT rides_fare_check CHECK (
        (fare_currency IS NULL AND fare_unlock_fee IS NULL AND fare_per_minute IS NULL
         AND fare_per_km IS NULL AND fare_minutes IS NULL AND fare_time IS NULL
         AND fare_distance IS NULL AND fare_total IS NULL)
        OR (fare_currency IS NOT NULL AND fare_unlock_fee IS NOT NULL AND fare_per_minute IS NOT NULL
            AND ((fare_minutes IS NULL AND fare_time IS NULL AND fare_distance IS NULL AND fare_total IS NULL)
                 OR (end_time IS NOT NULL AND fare_minutes IS NOT NULL AND fare_time IS NOT NULL
                     AND fare_distance IS NOT NULL AND fare_total >= 0
                     AND fare_total = fare_unlock_fee + fare_time + fare_distance - fare_discount))));
