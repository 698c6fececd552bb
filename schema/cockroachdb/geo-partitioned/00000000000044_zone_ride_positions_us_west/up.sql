-- Pin every us_west partition of ride_positions and its indexes to gcp-us-west1.
ALTER PARTITION us_west OF INDEX ride_positions@* CONFIGURE ZONE USING constraints = '[+region=gcp-us-west1]';
