-- The fare adds up with its discount (see
-- schema/postgres/00000000000011_promo_codes).
ALTER TABLE rides ADD CONSTRAINT rides_fare_check CHECK (
        (fare_currency IS NULL AND fare_unlock_fee IS NULL AND fare_per_minute IS NULL
         AND fare_per_km IS NULL AND fare_minutes IS NULL AND fare_time IS NULL
         AND fare_distance IS NULL AND fare_total IS NULL)
        OR (fare_currency IS NOT NULL AND fare_unlock_fee IS NOT NULL AND fare_per_minute IS NOT NULL
            AND ((fare_minutes IS NULL AND fare_time IS NULL AND fare_distance IS NULL AND fare_total IS NULL)
                 OR (end_time IS NOT NULL AND fare_minutes IS NOT NULL AND fare_time IS NOT NULL
                     AND fare_distance IS NOT NULL AND fare_total >= 0
                     AND fare_total = fare_unlock_fee + fare_time + fare_distance - fare_discount))));
