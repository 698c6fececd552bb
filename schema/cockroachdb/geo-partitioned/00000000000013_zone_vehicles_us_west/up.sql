-- Pin every us_west partition of vehicles and its indexes to gcp-us-west1.
ALTER PARTITION us_west OF INDEX vehicles@* CONFIGURE ZONE USING constraints = '[+region=gcp-us-west1]';
