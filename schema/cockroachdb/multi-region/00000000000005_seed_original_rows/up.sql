-- The original's seed rows: carl in new york, his scooter, and one finished
-- ride. Carl's password hash is locked ('!' is never a valid PHC string), so
-- this well-known account cannot be used to log in to a production database;
-- `movr seed` creates demo users with known passwords instead.
INSERT INTO users (city, id, first_name, last_name, email, username, password_hash, is_owner)
VALUES ('new york', '2f8a6b3e-6f9f-4b8e-9d41-0b7a2c1d3e01', 'Carl', 'Kimball', 'carl@cockroachlabs.com', 'carl',
        '!', true);
INSERT INTO usernames (username, user_city, user_id)
VALUES ('carl', 'new york', '2f8a6b3e-6f9f-4b8e-9d41-0b7a2c1d3e01');
INSERT INTO vehicles (city, id, type, owner_id, date_added, status, last_location, last_longitude, last_latitude, color, brand)
VALUES ('new york', 'a3f4c2d1-5b6e-4f70-8a9b-1c2d3e4f5a02', 'scooter', '2f8a6b3e-6f9f-4b8e-9d41-0b7a2c1d3e01',
        '2019-01-02 03:04:05+00', 'available', 'Time Square', -73.9855, 40.7580, 'red', 'Razor');
INSERT INTO rides (city, id, vehicle_id, rider_city, rider_id, start_location, start_longitude, start_latitude,
                   end_location, end_longitude, end_latitude, start_time, end_time, length)
VALUES ('new york', 'c5d6e7f8-9a0b-4c1d-8e2f-3a4b5c6d7e03', 'a3f4c2d1-5b6e-4f70-8a9b-1c2d3e4f5a02',
        'new york', '2f8a6b3e-6f9f-4b8e-9d41-0b7a2c1d3e01', 'Grand Central', -73.9772, 40.7527,
        'Time Square', -73.9855, 40.7580, '2019-01-02 03:04:05+00', '2019-01-02 03:34:05+00', INTERVAL '30 minutes');
