-- vehicles_id_idx (id) cannot be partitioned by city, so its ranges would
-- live anywhere and every vehicle added would write one. The look-ups by id
-- alone (explaining a refusal) use the primary key instead: vehicles_city_check
-- holds city to nine values, so the optimizer turns `WHERE id = $1` into nine
-- point look-ups, one per city, in the three regions' partitions (check it
-- with EXPLAIN, see README.md).
DROP INDEX vehicles@vehicles_id_idx;
