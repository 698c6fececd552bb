-- Vehicles live in their owner's city (the foreign key carries the city).
-- `status` is the guard against double booking: a ride starts only by moving
-- it from 'available' to 'in_use' in the same statement that inserts the ride.
CREATE TABLE vehicles (
    city TEXT NOT NULL,
    id UUID NOT NULL,
    type TEXT NOT NULL,
    owner_id UUID NOT NULL,
    date_added TIMESTAMPTZ NOT NULL DEFAULT now(),
    status TEXT NOT NULL DEFAULT 'available',
    last_location TEXT NOT NULL,
    last_longitude FLOAT8 NULL,
    last_latitude FLOAT8 NULL,
    color TEXT NOT NULL,
    brand TEXT NOT NULL,
    CONSTRAINT vehicles_pkey PRIMARY KEY (city, id),
    CONSTRAINT vehicles_owner_fkey FOREIGN KEY (city, owner_id) REFERENCES users (city, id),
    CONSTRAINT vehicles_city_check CHECK (city IN (
        'new york', 'boston', 'washington dc',
        'san francisco', 'seattle', 'los angeles',
        'amsterdam', 'paris', 'rome')),
    CONSTRAINT vehicles_type_check CHECK (type IN ('bike', 'scooter', 'skateboard')),
    CONSTRAINT vehicles_status_check CHECK (status IN ('available', 'in_use', 'removed')),
    CONSTRAINT vehicles_point_check CHECK ((last_longitude IS NULL) = (last_latitude IS NULL))
) PARTITION BY LIST (city);

CREATE TABLE vehicles_us_east PARTITION OF vehicles FOR VALUES IN ('new york', 'boston', 'washington dc');
CREATE TABLE vehicles_us_west PARTITION OF vehicles FOR VALUES IN ('san francisco', 'seattle', 'los angeles');
CREATE TABLE vehicles_europe_west PARTITION OF vehicles FOR VALUES IN ('amsterdam', 'paris', 'rome');

-- list_vehicles(city): the city's vehicles that are not removed, newest first.
CREATE INDEX vehicles_city_listed_idx ON vehicles (city, date_added DESC) WHERE status <> 'removed';
-- An owner's vehicles (profile page, the is_owner flag).
CREATE INDEX vehicles_city_owner_idx ON vehicles (city, owner_id);
-- Explaining a refusal when the id is not in the expected city.
CREATE INDEX vehicles_id_idx ON vehicles (id);
