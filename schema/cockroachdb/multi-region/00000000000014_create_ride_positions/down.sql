DROP TABLE ride_positions;
