-- A discount names its code (see schema/postgres/00000000000011_promo_codes).
ALTER TABLE rides ADD CONSTRAINT rides_discount_check CHECK (
        fare_discount >= 0
        AND (fare_discount = 0 OR promo_code IS NOT NULL)
        AND (promo_code IS NULL OR fare_total IS NOT NULL));
