ALTER TABLE rides
    DROP COLUMN last_reported_at,
    DROP COLUMN last_latitude,
    DROP COLUMN last_longitude,
    DROP COLUMN path_length_m;
