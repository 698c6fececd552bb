DROP TABLE fare_cards;
