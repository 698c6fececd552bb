-- Pin every europe_west partition of vehicles and its indexes to gcp-europe-west1.
ALTER PARTITION europe_west OF INDEX vehicles@* CONFIGURE ZONE USING constraints = '[+region=gcp-europe-west1]';
