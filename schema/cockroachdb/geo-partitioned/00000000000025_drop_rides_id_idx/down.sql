CREATE INDEX rides_id_idx ON rides (id);
