-- Pin every us_east partition of vehicles and its indexes to gcp-us-east1.
ALTER PARTITION us_east OF INDEX vehicles@* CONFIGURE ZONE USING constraints = '[+region=gcp-us-east1]';
