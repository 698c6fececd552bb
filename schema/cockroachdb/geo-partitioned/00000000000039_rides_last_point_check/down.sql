ALTER TABLE rides DROP CONSTRAINT rides_last_point_check;
