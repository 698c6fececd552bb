-- rides_vehicle_ended_idx: partitioned like its table, so it lives in the same regions.
ALTER INDEX rides@rides_vehicle_ended_idx PARTITION BY LIST (city) (
    PARTITION us_east VALUES IN ('new york', 'boston', 'washington dc'),
    PARTITION us_west VALUES IN ('san francisco', 'seattle', 'los angeles'),
    PARTITION europe_west VALUES IN ('amsterdam', 'paris', 'rome')
);
