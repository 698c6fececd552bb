DROP TABLE ride_positions;
ALTER TABLE rides
    DROP CONSTRAINT rides_last_point_check,
    DROP COLUMN last_reported_at,
    DROP COLUMN last_latitude,
    DROP COLUMN last_longitude,
    DROP COLUMN path_length_m;
