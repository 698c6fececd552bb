-- Riders and owners, partitioned by city into one partition per region.
-- `active_ride_*` is the guard that keeps a rider to one open ride across all
-- cities: starting a ride sets it with `WHERE active_ride_id IS NULL`, ending
-- clears it (a unique index on `rides` can only cover one city partition).
CREATE TABLE users (
    city TEXT NOT NULL,
    id UUID NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    username TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_owner BOOL NOT NULL DEFAULT false,
    active_ride_city TEXT NULL,
    active_ride_id UUID NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at TIMESTAMPTZ NULL,
    CONSTRAINT users_pkey PRIMARY KEY (city, id),
    CONSTRAINT users_city_check CHECK (city IN (
        'new york', 'boston', 'washington dc',
        'san francisco', 'seattle', 'los angeles',
        'amsterdam', 'paris', 'rome')),
    CONSTRAINT users_active_ride_check CHECK ((active_ride_city IS NULL) = (active_ride_id IS NULL)),
    CONSTRAINT users_deleted_not_riding_check CHECK (deleted_at IS NULL OR active_ride_id IS NULL)
) PARTITION BY LIST (city);

CREATE TABLE users_us_east PARTITION OF users FOR VALUES IN ('new york', 'boston', 'washington dc');
CREATE TABLE users_us_west PARTITION OF users FOR VALUES IN ('san francisco', 'seattle', 'los angeles');
CREATE TABLE users_europe_west PARTITION OF users FOR VALUES IN ('amsterdam', 'paris', 'rome');

-- list_users(city): the city's active users by username.
CREATE INDEX users_city_username_idx ON users (city, username) WHERE deleted_at IS NULL;
