-- The ride's prices and fare (see schema/postgres/00000000000009_ride_fares).
ALTER TABLE rides
    ADD COLUMN distance_m INT8 NOT NULL DEFAULT 0
        CONSTRAINT rides_distance_check CHECK (distance_m BETWEEN 0 AND 4294967295),
    ADD COLUMN fare_currency STRING NULL,
    ADD COLUMN fare_unlock_fee INT8 NULL,
    ADD COLUMN fare_per_minute INT8 NULL,
    ADD COLUMN fare_per_km INT8 NULL,
    ADD COLUMN fare_minutes INT8 NULL,
    ADD COLUMN fare_time INT8 NULL,
    ADD COLUMN fare_distance INT8 NULL,
    ADD COLUMN fare_total INT8 NULL;
