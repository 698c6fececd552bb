-- Pin every europe_west partition of rides and its indexes to gcp-europe-west1.
ALTER PARTITION europe_west OF INDEX rides@* CONFIGURE ZONE USING constraints = '[+region=gcp-europe-west1]';
