ALTER INDEX rides@rides_one_open_per_rider PARTITION BY NOTHING;
