-- The fare check of 00000000000009 gives way to one with the discount.
-- CockroachDB runs a migration's statements as one implicit transaction, and
-- refuses to drop and add a constraint of the same name in one: the check is
-- replaced in two migrations (this and the next).
ALTER TABLE rides DROP CONSTRAINT rides_fare_check;
