-- rides: the same columns, keys and checks as schema/postgres/.
CREATE TABLE rides (
    city STRING NOT NULL,
    id UUID NOT NULL,
    vehicle_id UUID NOT NULL,
    rider_city STRING NOT NULL,
    rider_id UUID NOT NULL,
    start_location STRING NOT NULL,
    start_longitude FLOAT8 NULL,
    start_latitude FLOAT8 NULL,
    end_location STRING NULL,
    end_longitude FLOAT8 NULL,
    end_latitude FLOAT8 NULL,
    start_time TIMESTAMPTZ NOT NULL DEFAULT now(),
    end_time TIMESTAMPTZ NULL,
    length INTERVAL NULL,
    CONSTRAINT rides_pkey PRIMARY KEY (city, id),
    CONSTRAINT rides_vehicle_fkey FOREIGN KEY (city, vehicle_id) REFERENCES vehicles (city, id),
    CONSTRAINT rides_rider_fkey FOREIGN KEY (rider_city, rider_id) REFERENCES users (city, id),
    CONSTRAINT rides_city_check CHECK (city IN (
        'new york', 'boston', 'washington dc',
        'san francisco', 'seattle', 'los angeles',
        'amsterdam', 'paris', 'rome')),
    CONSTRAINT rides_end_check CHECK (
        (end_time IS NULL AND end_location IS NULL AND length IS NULL)
        OR (end_time IS NOT NULL AND end_location IS NOT NULL AND length IS NOT NULL AND end_time >= start_time)),
    CONSTRAINT rides_start_point_check CHECK ((start_longitude IS NULL) = (start_latitude IS NULL)),
    CONSTRAINT rides_end_point_check CHECK ((end_longitude IS NULL) = (end_latitude IS NULL)),
    UNIQUE INDEX rides_one_open_per_vehicle (city, vehicle_id) WHERE end_time IS NULL,
    UNIQUE INDEX rides_one_open_per_rider (city, rider_city, rider_id) WHERE end_time IS NULL,
    INDEX rides_rider_idx (rider_city, rider_id, start_time DESC, id DESC),
    INDEX rides_id_idx (id)
);
