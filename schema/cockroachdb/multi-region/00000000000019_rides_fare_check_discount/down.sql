ALTER TABLE rides DROP CONSTRAINT rides_fare_check;
