-- vehicles, REGIONAL BY ROW in their (owner's) city's region.
CREATE TABLE vehicles (
    city STRING NOT NULL,
    id UUID NOT NULL,
    type STRING NOT NULL,
    owner_id UUID NOT NULL,
    date_added TIMESTAMPTZ NOT NULL DEFAULT now(),
    status STRING NOT NULL DEFAULT 'available',
    last_location STRING NOT NULL,
    last_longitude FLOAT8 NULL,
    last_latitude FLOAT8 NULL,
    color STRING NOT NULL,
    brand STRING NOT NULL,
    crdb_region crdb_internal_region NOT VISIBLE NOT NULL AS (CASE
        WHEN city IN ('new york', 'boston', 'washington dc') THEN 'gcp-us-east1'
        WHEN city IN ('san francisco', 'seattle', 'los angeles') THEN 'gcp-us-west1'
        ELSE 'gcp-europe-west1'
    END::crdb_internal_region) STORED,
    CONSTRAINT vehicles_pkey PRIMARY KEY (city, id),
    CONSTRAINT vehicles_owner_fkey FOREIGN KEY (city, owner_id) REFERENCES users (city, id),
    CONSTRAINT vehicles_city_check CHECK (city IN (
        'new york', 'boston', 'washington dc',
        'san francisco', 'seattle', 'los angeles',
        'amsterdam', 'paris', 'rome')),
    CONSTRAINT vehicles_type_check CHECK (type IN ('bike', 'scooter', 'skateboard')),
    CONSTRAINT vehicles_status_check CHECK (status IN ('available', 'in_use', 'removed')),
    CONSTRAINT vehicles_point_check CHECK ((last_longitude IS NULL) = (last_latitude IS NULL)),
    INDEX vehicles_city_listed_idx (city, date_added DESC) WHERE status != 'removed',
    INDEX vehicles_city_owner_idx (city, owner_id),
    INDEX vehicles_id_idx (id)
) LOCALITY REGIONAL BY ROW AS crdb_region;
