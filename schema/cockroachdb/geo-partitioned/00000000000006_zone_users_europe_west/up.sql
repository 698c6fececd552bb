-- Pin every europe_west partition of users and its indexes to gcp-europe-west1.
ALTER PARTITION europe_west OF INDEX users@* CONFIGURE ZONE USING constraints = '[+region=gcp-europe-west1]';
