-- user_promo_codes (see schema/postgres/00000000000011_promo_codes):
-- REGIONAL BY ROW in the rider's home region, like users, so applying a
-- code, listing one's codes and ending a ride touch the rider's region only
-- (besides the GLOBAL promo_codes row).
CREATE TABLE user_promo_codes (
    city STRING NOT NULL,
    user_id UUID NOT NULL,
    code STRING NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ride_city STRING NULL,
    ride_id UUID NULL,
    used_at TIMESTAMPTZ NULL,
    crdb_region crdb_internal_region NOT VISIBLE NOT NULL AS (CASE
        WHEN city IN ('new york', 'boston', 'washington dc') THEN 'gcp-us-east1'
        WHEN city IN ('san francisco', 'seattle', 'los angeles') THEN 'gcp-us-west1'
        ELSE 'gcp-europe-west1'
    END::crdb_internal_region) STORED,
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
) LOCALITY REGIONAL BY ROW AS crdb_region;
