ALTER INDEX ride_positions@ride_positions_received_idx PARTITION BY NOTHING;
