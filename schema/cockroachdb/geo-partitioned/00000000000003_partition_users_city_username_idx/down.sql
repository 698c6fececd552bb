ALTER INDEX users@users_city_username_idx PARTITION BY NOTHING;
