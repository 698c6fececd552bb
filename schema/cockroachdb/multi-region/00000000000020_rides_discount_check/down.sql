ALTER TABLE rides DROP CONSTRAINT rides_discount_check;
