-- user_promo_codes: one partition per region, by the rider's city.
ALTER TABLE user_promo_codes PARTITION BY LIST (city) (
    PARTITION us_east VALUES IN ('new york', 'boston', 'washington dc'),
    PARTITION us_west VALUES IN ('san francisco', 'seattle', 'los angeles'),
    PARTITION europe_west VALUES IN ('amsterdam', 'paris', 'rome')
);
