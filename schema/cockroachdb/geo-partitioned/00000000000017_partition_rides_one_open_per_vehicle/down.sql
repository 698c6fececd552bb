ALTER INDEX rides@rides_one_open_per_vehicle PARTITION BY NOTHING;
