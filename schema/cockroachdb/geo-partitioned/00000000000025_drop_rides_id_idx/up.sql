-- rides_id_idx (id): as vehicles_id_idx, dropped; look-ups by ride id alone
-- use the primary key, constrained by rides_city_check to nine point look-ups.
DROP INDEX rides@rides_id_idx;
