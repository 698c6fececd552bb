-- The ride's checks, compact (issue 15's cost to the ride cycle). PostgreSQL
-- 15 rebuilds every CHECK constraint of a table from its stored text, and
-- prepares it, for each INSERT and UPDATE statement on it: the five checks
-- migrations 9 to 11 added to rides cost every ride start, report and end
-- about a tenth of the ride cycle's database time, most of it the fare
-- check's all-or-nothing NULL tests.
--
-- What stays enforced here: a fare adds up (total = unlock + time + distance
-- - discount, never negative) and a discount names its code and comes with
-- a fare. What moves to the statements alone (the only writers: `movr_db`'s
-- start, report and end; tested there): the card's prices are copied
-- together at the start and the fare's parts stored together at the end;
-- the running distance only grows; the last reported point and its time
-- are written together. CockroachDB, which plans checks once, keeps the
-- full checks (schema/cockroachdb).
ALTER TABLE rides
    DROP CONSTRAINT rides_distance_check,
    DROP CONSTRAINT rides_path_length_check,
    DROP CONSTRAINT rides_last_point_check,
    DROP CONSTRAINT rides_discount_check,
    DROP CONSTRAINT rides_fare_check;

ALTER TABLE rides
    ADD CONSTRAINT rides_fare_check CHECK (
        fare_total IS NULL
        OR (fare_total >= 0 AND fare_total = fare_unlock_fee + fare_time + fare_distance - fare_discount)),
    ADD CONSTRAINT rides_discount_check CHECK (
        fare_discount >= 0
        AND (fare_discount = 0 OR promo_code IS NOT NULL)
        AND (promo_code IS NULL OR fare_total IS NOT NULL));
