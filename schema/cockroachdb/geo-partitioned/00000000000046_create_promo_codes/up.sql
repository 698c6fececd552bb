-- promo_codes: the same columns, keys and checks as schema/postgres/.
CREATE TABLE promo_codes (
    code STRING NOT NULL,
    percent_off INT8 NULL,
    max_discount INT8 NULL,
    amount_off INT8 NULL,
    currency STRING NULL,
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
