-- ride_positions: the same columns, keys and checks as schema/postgres/.
CREATE TABLE ride_positions (
    city STRING NOT NULL,
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
        AND latitude BETWEEN -90 AND 90),
    INDEX ride_positions_received_idx (city, ride_id, received_at)
);
