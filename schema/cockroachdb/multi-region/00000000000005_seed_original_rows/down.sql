DELETE FROM rides WHERE id = 'c5d6e7f8-9a0b-4c1d-8e2f-3a4b5c6d7e03';
DELETE FROM vehicles WHERE id = 'a3f4c2d1-5b6e-4f70-8a9b-1c2d3e4f5a02';
DELETE FROM usernames WHERE username = 'carl';
DELETE FROM users WHERE id = '2f8a6b3e-6f9f-4b8e-9d41-0b7a2c1d3e01';
