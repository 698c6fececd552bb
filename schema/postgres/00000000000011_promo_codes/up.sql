-- Promo codes (issue 15 §3). Operators create codes (SQL or `movr promo
-- create`); riders apply them; a rider's applied code is used on their next
-- priced ride in a currency it applies to (see movr-core's `promo` module
-- for the discount rule).
--
-- promo_codes: one row per code. A percentage with a cap (percent_off,
-- max_discount, in minor units of the ride's currency) or a fixed amount
-- (amount_off minor units of `currency`, applying to rides in that currency
-- only). A code can be applied from valid_from until (before) valid_until,
-- by at most redemption_limit riders in all: `redemptions` counts them, and
-- the checks hold it within the limit whatever the application does (the
-- statement that applies a code increments it with a guard as well).
-- Small, read by every ride end of a rider with a code, written by every
-- application: unpartitioned here, GLOBAL on CockroachDB.
CREATE TABLE promo_codes (
    code TEXT NOT NULL,
    percent_off INT8 NULL,
    max_discount INT8 NULL,
    amount_off INT8 NULL,
    currency TEXT NULL,
    valid_from TIMESTAMPTZ NOT NULL,
    valid_until TIMESTAMPTZ NOT NULL,
    redemption_limit INT8 NOT NULL,
    redemptions INT8 NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT promo_codes_pkey PRIMARY KEY (code),
    CONSTRAINT promo_codes_code_check CHECK (code ~ '^[A-Z0-9]{3,32}$'),
    CONSTRAINT promo_codes_discount_check CHECK (
        (percent_off IS NOT NULL AND max_discount IS NOT NULL
         AND amount_off IS NULL AND currency IS NULL
         AND percent_off BETWEEN 1 AND 100 AND max_discount BETWEEN 0 AND 1000000)
        OR (percent_off IS NULL AND max_discount IS NULL
            AND amount_off IS NOT NULL AND currency IS NOT NULL
            AND amount_off BETWEEN 1 AND 1000000 AND currency IN ('USD', 'EUR'))),
    CONSTRAINT promo_codes_window_check CHECK (valid_until > valid_from),
    CONSTRAINT promo_codes_redemptions_check CHECK (redemption_limit BETWEEN 1 AND 1000000000
        AND redemptions BETWEEN 0 AND redemption_limit)
);

-- user_promo_codes: the codes each rider has applied, in the rider's city
-- partition (REGIONAL BY ROW on CockroachDB: a rider's codes live in their
-- home region). The key makes it one application per rider per code.
-- ride_city/ride_id/used_at name the ride the code was used on; NULL while
-- it waits for the rider's next ride.
CREATE TABLE user_promo_codes (
    city TEXT NOT NULL,
    user_id UUID NOT NULL,
    code TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ride_city TEXT NULL,
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
) PARTITION BY LIST (city);

CREATE TABLE user_promo_codes_us_east PARTITION OF user_promo_codes FOR VALUES IN ('new york', 'boston', 'washington dc');
CREATE TABLE user_promo_codes_us_west PARTITION OF user_promo_codes FOR VALUES IN ('san francisco', 'seattle', 'los angeles');
CREATE TABLE user_promo_codes_europe_west PARTITION OF user_promo_codes FOR VALUES IN ('amsterdam', 'paris', 'rome');
-- A second application is refused by the key: PostgreSQL names the
-- partition's copy in the error, so the copies follow the
-- `<parent>__<partition>` convention movr-db maps back to the parent's name.
ALTER INDEX user_promo_codes_us_east_pkey RENAME TO user_promo_codes_pkey__us_east;
ALTER INDEX user_promo_codes_us_west_pkey RENAME TO user_promo_codes_pkey__us_west;
ALTER INDEX user_promo_codes_europe_west_pkey RENAME TO user_promo_codes_pkey__europe_west;

-- A ride's discount: what the rider's promo code took off its fare (minor
-- units; 0 without one) and which code. The fare still adds up:
-- fare_total = unlock + time + distance - discount, never negative.
ALTER TABLE rides
    ADD COLUMN fare_discount INT8 NOT NULL DEFAULT 0,
    ADD COLUMN promo_code TEXT NULL,
    ADD CONSTRAINT rides_discount_check CHECK (
        fare_discount >= 0
        AND (fare_discount = 0 OR promo_code IS NOT NULL)
        AND (promo_code IS NULL OR fare_total IS NOT NULL)),
    DROP CONSTRAINT rides_fare_check,
    ADD CONSTRAINT rides_fare_check CHECK (
        (fare_currency IS NULL AND fare_unlock_fee IS NULL AND fare_per_minute IS NULL
         AND fare_per_km IS NULL AND fare_minutes IS NULL AND fare_time IS NULL
         AND fare_distance IS NULL AND fare_total IS NULL)
        OR (fare_currency IS NOT NULL AND fare_unlock_fee IS NOT NULL AND fare_per_minute IS NOT NULL
            AND ((fare_minutes IS NULL AND fare_time IS NULL AND fare_distance IS NULL AND fare_total IS NULL)
                 OR (end_time IS NOT NULL AND fare_minutes IS NOT NULL AND fare_time IS NOT NULL
                     AND fare_distance IS NOT NULL AND fare_total >= 0
                     AND fare_total = fare_unlock_fee + fare_time + fare_distance - fare_discount))));
