-- A ride's path (see schema/postgres/00000000000010_ride_positions): the
-- exact running length and the last reported point, kept on the ride's row.
ALTER TABLE rides
    ADD COLUMN path_length_m FLOAT8 NOT NULL DEFAULT 0
        CONSTRAINT rides_path_length_check CHECK (path_length_m >= 0),
    ADD COLUMN last_longitude FLOAT8 NULL,
    ADD COLUMN last_latitude FLOAT8 NULL,
    ADD COLUMN last_reported_at TIMESTAMPTZ NULL;
