CREATE INDEX vehicles_id_idx ON vehicles (id);
