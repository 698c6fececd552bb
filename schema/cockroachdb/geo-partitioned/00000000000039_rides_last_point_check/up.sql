-- The last point is whole or absent.
ALTER TABLE rides ADD CONSTRAINT rides_last_point_check CHECK (
        (last_longitude IS NULL) = (last_latitude IS NULL)
        AND (last_longitude IS NULL) = (last_reported_at IS NULL));
