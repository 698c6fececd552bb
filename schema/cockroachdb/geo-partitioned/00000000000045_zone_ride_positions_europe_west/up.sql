-- Pin every europe_west partition of ride_positions and its indexes to gcp-europe-west1.
ALTER PARTITION europe_west OF INDEX ride_positions@* CONFIGURE ZONE USING constraints = '[+region=gcp-europe-west1]';
