-- Pin every us_west partition of rides and its indexes to gcp-us-west1.
ALTER PARTITION us_west OF INDEX rides@* CONFIGURE ZONE USING constraints = '[+region=gcp-us-west1]';
