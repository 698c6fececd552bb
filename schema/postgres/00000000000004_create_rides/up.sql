-- Rides live in the vehicle's city. The partial unique indexes make the
-- database itself refuse a second open ride for a vehicle (global: a vehicle
-- has one city) and for a rider within a city; `users.active_ride_id` extends
-- the rider rule across cities.
CREATE TABLE rides (
    city TEXT NOT NULL,
    id UUID NOT NULL,
    vehicle_id UUID NOT NULL,
    rider_city TEXT NOT NULL,
    rider_id UUID NOT NULL,
    start_location TEXT NOT NULL,
    start_longitude FLOAT8 NULL,
    start_latitude FLOAT8 NULL,
    end_location TEXT NULL,
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
    CONSTRAINT rides_end_point_check CHECK ((end_longitude IS NULL) = (end_latitude IS NULL))
) PARTITION BY LIST (city);

CREATE TABLE rides_us_east PARTITION OF rides FOR VALUES IN ('new york', 'boston', 'washington dc');
CREATE TABLE rides_us_west PARTITION OF rides FOR VALUES IN ('san francisco', 'seattle', 'los angeles');
CREATE TABLE rides_europe_west PARTITION OF rides FOR VALUES IN ('amsterdam', 'paris', 'rome');

-- PostgreSQL reports a unique violation under the name of the partition's
-- own index, so each partition's copy is named `<parent>__<partition>`
-- (movr-db maps it back to the parent's name) instead of a generated name.
CREATE UNIQUE INDEX rides_one_open_per_vehicle ON ONLY rides (city, vehicle_id) WHERE end_time IS NULL;
CREATE UNIQUE INDEX rides_one_open_per_vehicle__us_east ON rides_us_east (city, vehicle_id) WHERE end_time IS NULL;
ALTER INDEX rides_one_open_per_vehicle ATTACH PARTITION rides_one_open_per_vehicle__us_east;
CREATE UNIQUE INDEX rides_one_open_per_vehicle__us_west ON rides_us_west (city, vehicle_id) WHERE end_time IS NULL;
ALTER INDEX rides_one_open_per_vehicle ATTACH PARTITION rides_one_open_per_vehicle__us_west;
CREATE UNIQUE INDEX rides_one_open_per_vehicle__europe_west ON rides_europe_west (city, vehicle_id) WHERE end_time IS NULL;
ALTER INDEX rides_one_open_per_vehicle ATTACH PARTITION rides_one_open_per_vehicle__europe_west;
CREATE UNIQUE INDEX rides_one_open_per_rider ON ONLY rides (city, rider_city, rider_id) WHERE end_time IS NULL;
CREATE UNIQUE INDEX rides_one_open_per_rider__us_east ON rides_us_east (city, rider_city, rider_id) WHERE end_time IS NULL;
ALTER INDEX rides_one_open_per_rider ATTACH PARTITION rides_one_open_per_rider__us_east;
CREATE UNIQUE INDEX rides_one_open_per_rider__us_west ON rides_us_west (city, rider_city, rider_id) WHERE end_time IS NULL;
ALTER INDEX rides_one_open_per_rider ATTACH PARTITION rides_one_open_per_rider__us_west;
CREATE UNIQUE INDEX rides_one_open_per_rider__europe_west ON rides_europe_west (city, rider_city, rider_id) WHERE end_time IS NULL;
ALTER INDEX rides_one_open_per_rider ATTACH PARTITION rides_one_open_per_rider__europe_west;
-- list_rides(rider): the rider's history across cities, newest first, paged
-- by (start_time, id).
CREATE INDEX rides_rider_idx ON rides (rider_city, rider_id, start_time DESC, id DESC);
-- Explaining a refusal for a ride id the rider does not own.
CREATE INDEX rides_id_idx ON rides (id);
