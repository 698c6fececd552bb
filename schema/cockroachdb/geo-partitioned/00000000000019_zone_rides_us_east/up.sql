-- Pin every us_east partition of rides and its indexes to gcp-us-east1.
ALTER PARTITION us_east OF INDEX rides@* CONFIGURE ZONE USING constraints = '[+region=gcp-us-east1]';
