-- users: the same columns, keys and checks as schema/postgres/.
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
    CONSTRAINT users_pkey PRIMARY KEY (city, id),
    CONSTRAINT users_city_check CHECK (city IN (
        'new york', 'boston', 'washington dc',
        'san francisco', 'seattle', 'los angeles',
        'amsterdam', 'paris', 'rome')),
    CONSTRAINT users_active_ride_check CHECK ((active_ride_city IS NULL) = (active_ride_id IS NULL)),
    CONSTRAINT users_deleted_not_riding_check CHECK (deleted_at IS NULL OR active_ride_id IS NULL),
    INDEX users_city_username_idx (city, username) WHERE deleted_at IS NULL
);
