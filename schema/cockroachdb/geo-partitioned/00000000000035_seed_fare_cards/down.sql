DELETE FROM fare_cards;
