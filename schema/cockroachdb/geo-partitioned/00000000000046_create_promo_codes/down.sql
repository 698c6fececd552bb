DROP TABLE promo_codes;
