ALTER INDEX vehicles@vehicles_city_listed_idx PARTITION BY NOTHING;
