-- rides_rider_idx (rider_city, rider_id, ...): a rider's history, partitioned
-- by the rider's home city, so each entry lives in the rider's home region
-- (a ride's row lives in its vehicle's city's region). Reading a history is
-- then one region's work; starting a ride away from home writes this entry
-- in the home region, as it also writes the rider's users row there.
ALTER INDEX rides@rides_rider_idx PARTITION BY LIST (rider_city) (
    PARTITION us_east VALUES IN ('new york', 'boston', 'washington dc'),
    PARTITION us_west VALUES IN ('san francisco', 'seattle', 'los angeles'),
    PARTITION europe_west VALUES IN ('amsterdam', 'paris', 'rome')
);
