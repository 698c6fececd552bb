-- The partitioned tables' city checks, dropped: here the LIST partitions
-- already hold every row to the nine cities (a row of another city has no
-- partition to go to, or breaks the bound of the partition it is written
-- to, both refused with 23514 as the CHECK was). PostgreSQL 15 rebuilds each
-- CHECK from its stored text for every INSERT and UPDATE statement, and the
-- nine-city list was the largest: a fifth of the checks' cost on every ride
-- start, report and end. fare_cards, not partitioned, keeps its own.
-- CockroachDB, which plans checks once, keeps them all (schema/cockroachdb).
ALTER TABLE users DROP CONSTRAINT users_city_check;
ALTER TABLE vehicles DROP CONSTRAINT vehicles_city_check;
ALTER TABLE rides DROP CONSTRAINT rides_city_check;
ALTER TABLE ride_positions DROP CONSTRAINT ride_positions_city_check;
ALTER TABLE user_promo_codes DROP CONSTRAINT user_promo_codes_city_check;
