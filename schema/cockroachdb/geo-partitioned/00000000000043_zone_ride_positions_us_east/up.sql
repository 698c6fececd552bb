-- Pin every us_east partition of ride_positions and its indexes to gcp-us-east1.
ALTER PARTITION us_east OF INDEX ride_positions@* CONFIGURE ZONE USING constraints = '[+region=gcp-us-east1]';
