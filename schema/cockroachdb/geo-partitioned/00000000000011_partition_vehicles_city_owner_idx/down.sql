ALTER INDEX vehicles@vehicles_city_owner_idx PARTITION BY NOTHING;
