-- A ride's path (issue 15 §1). While a ride is open its rider's client
-- reports positions; each report is one statement that inserts them here and
-- moves the ride's running distance (distance_m, from path_length_m, the
-- exact metres) and last reported point on the ride's own row, so ending a
-- ride reads no path. The last point starts NULL: the first report measures
-- from the ride's start point.
ALTER TABLE rides
    ADD COLUMN path_length_m FLOAT8 NOT NULL DEFAULT 0
        CONSTRAINT rides_path_length_check CHECK (path_length_m >= 0),
    ADD COLUMN last_longitude FLOAT8 NULL,
    ADD COLUMN last_latitude FLOAT8 NULL,
    ADD COLUMN last_reported_at TIMESTAMPTZ NULL,
    ADD CONSTRAINT rides_last_point_check CHECK (
        (last_longitude IS NULL) = (last_latitude IS NULL)
        AND (last_longitude IS NULL) = (last_reported_at IS NULL));

-- The reported positions, in the ride's city (partitioned like rides),
-- keyed by the time the client recorded them (strictly increasing per ride).
-- received_at is the server's time of the report, for the per-minute cap
-- (ride_positions_received_idx counts a ride's last minute).
CREATE TABLE ride_positions (
    city TEXT NOT NULL,
    ride_id UUID NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    longitude FLOAT8 NOT NULL,
    latitude FLOAT8 NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT ride_positions_pkey PRIMARY KEY (city, ride_id, recorded_at),
    CONSTRAINT ride_positions_ride_fkey FOREIGN KEY (city, ride_id) REFERENCES rides (city, id),
    CONSTRAINT ride_positions_city_check CHECK (city IN (
        'new york', 'boston', 'washington dc',
        'san francisco', 'seattle', 'los angeles',
        'amsterdam', 'paris', 'rome')),
    CONSTRAINT ride_positions_point_check CHECK (longitude BETWEEN -180 AND 180
        AND latitude BETWEEN -90 AND 90)
) PARTITION BY LIST (city);

CREATE TABLE ride_positions_us_east PARTITION OF ride_positions FOR VALUES IN ('new york', 'boston', 'washington dc');
CREATE TABLE ride_positions_us_west PARTITION OF ride_positions FOR VALUES IN ('san francisco', 'seattle', 'los angeles');
CREATE TABLE ride_positions_europe_west PARTITION OF ride_positions FOR VALUES IN ('amsterdam', 'paris', 'rome');

CREATE INDEX ride_positions_received_idx ON ride_positions (city, ride_id, received_at);
