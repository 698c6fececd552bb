ALTER TABLE rides
    DROP COLUMN promo_code,
    DROP COLUMN fare_discount;
