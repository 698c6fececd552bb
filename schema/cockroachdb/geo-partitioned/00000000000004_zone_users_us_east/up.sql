-- Pin every us_east partition of users and its indexes to gcp-us-east1.
ALTER PARTITION us_east OF INDEX users@* CONFIGURE ZONE USING constraints = '[+region=gcp-us-east1]';
