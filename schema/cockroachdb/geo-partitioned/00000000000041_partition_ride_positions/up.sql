-- ride_positions: one partition per region, like rides.
ALTER TABLE ride_positions PARTITION BY LIST (city) (
    PARTITION us_east VALUES IN ('new york', 'boston', 'washington dc'),
    PARTITION us_west VALUES IN ('san francisco', 'seattle', 'los angeles'),
    PARTITION europe_west VALUES IN ('amsterdam', 'paris', 'rome')
);
