-- Fare cards: the prices of a ride, per city and vehicle type, in whole minor
-- units (cents) of the city's currency (USD in the US cities, EUR in the
-- European ones; the check holds each city to its currency). Prices bound by
-- movr-core's MAX_PRICE. A card is in force from `in_force_from` until the
-- next card of the same city and type: operators change prices by inserting
-- a card with a later `in_force_from`, never by updating one, so a ride keeps
-- the prices it started with (the start of a ride copies them onto its row).
--
-- Small (a few rows per city and type) and read by every ride start in every
-- region, written by hand: unpartitioned here, a GLOBAL table on CockroachDB
-- (consistent local reads everywhere). Its key starts with the city all the
-- same, so the start of a ride reads one key range.
CREATE TABLE fare_cards (
    city TEXT NOT NULL,
    vehicle_type TEXT NOT NULL,
    in_force_from TIMESTAMPTZ NOT NULL,
    currency TEXT NOT NULL,
    unlock_fee INT8 NOT NULL,
    per_minute INT8 NOT NULL,
    per_km INT8 NULL,
    CONSTRAINT fare_cards_pkey PRIMARY KEY (city, vehicle_type, in_force_from),
    CONSTRAINT fare_cards_city_check CHECK (city IN (
        'new york', 'boston', 'washington dc',
        'san francisco', 'seattle', 'los angeles',
        'amsterdam', 'paris', 'rome')),
    CONSTRAINT fare_cards_type_check CHECK (vehicle_type IN ('bike', 'scooter', 'skateboard')),
    CONSTRAINT fare_cards_currency_check CHECK (currency = CASE
        WHEN city IN ('amsterdam', 'paris', 'rome') THEN 'EUR' ELSE 'USD' END),
    CONSTRAINT fare_cards_prices_check CHECK (unlock_fee BETWEEN 0 AND 1000000
        AND per_minute BETWEEN 0 AND 1000000
        AND (per_km IS NULL OR per_km BETWEEN 0 AND 1000000))
);

-- The first cards, in force since before any ride of the demo. The
-- original's seed ride (2019-01-02) was never priced and stays so.
INSERT INTO fare_cards (city, vehicle_type, in_force_from, currency, unlock_fee, per_minute, per_km) VALUES
    ('new york', 'bike', '2019-01-01 00:00:00+00', 'USD', 100, 15, NULL),
    ('new york', 'scooter', '2019-01-01 00:00:00+00', 'USD', 100, 39, 10),
    ('new york', 'skateboard', '2019-01-01 00:00:00+00', 'USD', 50, 10, NULL),
    ('boston', 'bike', '2019-01-01 00:00:00+00', 'USD', 100, 15, NULL),
    ('boston', 'scooter', '2019-01-01 00:00:00+00', 'USD', 100, 39, 10),
    ('boston', 'skateboard', '2019-01-01 00:00:00+00', 'USD', 50, 10, NULL),
    ('washington dc', 'bike', '2019-01-01 00:00:00+00', 'USD', 100, 15, NULL),
    ('washington dc', 'scooter', '2019-01-01 00:00:00+00', 'USD', 100, 39, 10),
    ('washington dc', 'skateboard', '2019-01-01 00:00:00+00', 'USD', 50, 10, NULL),
    ('san francisco', 'bike', '2019-01-01 00:00:00+00', 'USD', 100, 15, NULL),
    ('san francisco', 'scooter', '2019-01-01 00:00:00+00', 'USD', 100, 39, 10),
    ('san francisco', 'skateboard', '2019-01-01 00:00:00+00', 'USD', 50, 10, NULL),
    ('seattle', 'bike', '2019-01-01 00:00:00+00', 'USD', 100, 15, NULL),
    ('seattle', 'scooter', '2019-01-01 00:00:00+00', 'USD', 100, 39, 10),
    ('seattle', 'skateboard', '2019-01-01 00:00:00+00', 'USD', 50, 10, NULL),
    ('los angeles', 'bike', '2019-01-01 00:00:00+00', 'USD', 100, 15, NULL),
    ('los angeles', 'scooter', '2019-01-01 00:00:00+00', 'USD', 100, 39, 10),
    ('los angeles', 'skateboard', '2019-01-01 00:00:00+00', 'USD', 50, 10, NULL),
    ('amsterdam', 'bike', '2019-01-01 00:00:00+00', 'EUR', 100, 15, NULL),
    ('amsterdam', 'scooter', '2019-01-01 00:00:00+00', 'EUR', 100, 30, 8),
    ('amsterdam', 'skateboard', '2019-01-01 00:00:00+00', 'EUR', 50, 10, NULL),
    ('paris', 'bike', '2019-01-01 00:00:00+00', 'EUR', 100, 15, NULL),
    ('paris', 'scooter', '2019-01-01 00:00:00+00', 'EUR', 100, 30, 8),
    ('paris', 'skateboard', '2019-01-01 00:00:00+00', 'EUR', 50, 10, NULL),
    ('rome', 'bike', '2019-01-01 00:00:00+00', 'EUR', 100, 15, NULL),
    ('rome', 'scooter', '2019-01-01 00:00:00+00', 'EUR', 100, 30, 8),
    ('rome', 'skateboard', '2019-01-01 00:00:00+00', 'EUR', 50, 10, NULL);
