ALTER INDEX rides@rides_rider_idx PARTITION BY NOTHING;
