-- ride_positions: a ride's reported path (see
-- schema/postgres/00000000000010_ride_positions), REGIONAL BY ROW in the
-- ride's city's region like its ride, so a report writes one region.
CREATE TABLE ride_positions (
    city STRING NOT NULL,
    ride_id UUID NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    longitude FLOAT8 NOT NULL,
    latitude FLOAT8 NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    crdb_region crdb_internal_region NOT VISIBLE NOT NULL AS (CASE
        WHEN city IN ('new york', 'boston', 'washington dc') THEN 'gcp-us-east1'
        WHEN city IN ('san francisco', 'seattle', 'los angeles') THEN 'gcp-us-west1'
        ELSE 'gcp-europe-west1'
    END::crdb_internal_region) STORED,
    CONSTRAINT ride_positions_pkey PRIMARY KEY (city, ride_id, recorded_at),
    CONSTRAINT ride_positions_ride_fkey FOREIGN KEY (city, ride_id) REFERENCES rides (city, id),
    CONSTRAINT ride_positions_city_check CHECK (city IN (
        'new york', 'boston', 'washington dc',
        'san francisco', 'seattle', 'los angeles',
        'amsterdam', 'paris', 'rome')),
    CONSTRAINT ride_positions_point_check CHECK (longitude BETWEEN -180 AND 180
        AND latitude BETWEEN -90 AND 90),
    INDEX ride_positions_received_idx (city, ride_id, received_at)
) LOCALITY REGIONAL BY ROW AS crdb_region;
