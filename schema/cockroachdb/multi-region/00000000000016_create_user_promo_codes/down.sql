DROP TABLE user_promo_codes;
