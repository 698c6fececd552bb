-- users, REGIONAL BY ROW: each row lives in its city's region (crdb_region
-- is computed from city), so a rider's reads and writes stay in the region
-- of their city. Same columns, keys and checks as schema/postgres/.
-- Requires the database's regions (movr migrate sets them, see README.md).
CREATE TABLE users (
    city STRING NOT NULL,
    id UUID NOT NULL,
    first_name STRING NOT NULL,
    last_name STRING NOT NULL,
    email STRING NOT NULL,
    username STRING NOT NULL,
    password_hash STRING NOT NULL,
    is_owner BOOL NOT NULL DEFAULT false,
    active_ride_city STRING NULL,
    active_ride_id UUID NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at TIMESTAMPTZ NULL,
    crdb_region crdb_internal_region NOT VISIBLE NOT NULL AS (CASE
        WHEN city IN ('new york', 'boston', 'washington dc') THEN 'gcp-us-east1'
        WHEN city IN ('san francisco', 'seattle', 'los angeles') THEN 'gcp-us-west1'
        ELSE 'gcp-europe-west1'
    END::crdb_internal_region) STORED,
    CONSTRAINT users_pkey PRIMARY KEY (city, id),
    CONSTRAINT users_city_check CHECK (city IN (
        'new york', 'boston', 'washington dc',
        'san francisco', 'seattle', 'los angeles',
        'amsterdam', 'paris', 'rome')),
    CONSTRAINT users_active_ride_check CHECK ((active_ride_city IS NULL) = (active_ride_id IS NULL)),
    CONSTRAINT users_deleted_not_riding_check CHECK (deleted_at IS NULL OR active_ride_id IS NULL),
    INDEX users_city_username_idx (city, username) WHERE deleted_at IS NULL
) LOCALITY REGIONAL BY ROW AS crdb_region;
