-- fare_cards (see schema/postgres/): GLOBAL, because every ride start in every
-- region reads the card in force; operators write it rarely, by hand.
CREATE TABLE fare_cards (
    city STRING NOT NULL,
    vehicle_type STRING NOT NULL,
    in_force_from TIMESTAMPTZ NOT NULL,
    currency STRING NOT NULL,
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
) LOCALITY GLOBAL;
