-- user_promo_codes: the same columns, keys and checks as schema/postgres/.
CREATE TABLE user_promo_codes (
    city STRING NOT NULL,
    user_id UUID NOT NULL,
    code STRING NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ride_city STRING NULL,
    ride_id UUID NULL,
    used_at TIMESTAMPTZ NULL,
    CONSTRAINT user_promo_codes_pkey PRIMARY KEY (city, user_id, code),
    CONSTRAINT user_promo_codes_user_fkey FOREIGN KEY (city, user_id) REFERENCES users (city, id),
    CONSTRAINT user_promo_codes_code_fkey FOREIGN KEY (code) REFERENCES promo_codes (code),
    CONSTRAINT user_promo_codes_city_check CHECK (city IN (
        'new york', 'boston', 'washington dc',
        'san francisco', 'seattle', 'los angeles',
        'amsterdam', 'paris', 'rome')),
    CONSTRAINT user_promo_codes_used_check CHECK (
        (ride_city IS NULL AND ride_id IS NULL AND used_at IS NULL)
        OR (ride_city IS NOT NULL AND ride_id IS NOT NULL AND used_at IS NOT NULL))
);
