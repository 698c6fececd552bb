-- Pin every us_west partition of users and its indexes to gcp-us-west1.
ALTER PARTITION us_west OF INDEX users@* CONFIGURE ZONE USING constraints = '[+region=gcp-us-west1]';
