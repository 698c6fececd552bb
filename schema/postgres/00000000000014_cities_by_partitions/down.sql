ALTER TABLE users ADD CONSTRAINT users_city_check CHECK (city IN (
    'new york', 'boston', 'washington dc',
    'san francisco', 'seattle', 'los angeles',
    'amsterdam', 'paris', 'rome'));
ALTER TABLE vehicles ADD CONSTRAINT vehicles_city_check CHECK (city IN (
    'new york', 'boston', 'washington dc',
    'san francisco', 'seattle', 'los angeles',
    'amsterdam', 'paris', 'rome'));
ALTER TABLE rides ADD CONSTRAINT rides_city_check CHECK (city IN (
    'new york', 'boston', 'washington dc',
    'san francisco', 'seattle', 'los angeles',
    'amsterdam', 'paris', 'rome'));
ALTER TABLE ride_positions ADD CONSTRAINT ride_positions_city_check CHECK (city IN (
    'new york', 'boston', 'washington dc',
    'san francisco', 'seattle', 'los angeles',
    'amsterdam', 'paris', 'rome'));
ALTER TABLE user_promo_codes ADD CONSTRAINT user_promo_codes_city_check CHECK (city IN (
    'new york', 'boston', 'washington dc',
    'san francisco', 'seattle', 'los angeles',
    'amsterdam', 'paris', 'rome'));
