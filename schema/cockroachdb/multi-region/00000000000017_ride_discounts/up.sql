-- A ride's discount (see schema/postgres/00000000000011_promo_codes).
ALTER TABLE rides
    ADD COLUMN fare_discount INT8 NOT NULL DEFAULT 0,
    ADD COLUMN promo_code STRING NULL;
