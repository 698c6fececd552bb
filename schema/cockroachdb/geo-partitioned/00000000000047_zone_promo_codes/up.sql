-- promo_codes is not partitioned: ending a ride in any region reads the
-- rider's code here, and applying a code writes its row. Placed like
-- fare_cards and api_tokens (what a GLOBAL table gets under region
-- survival): five voters across the regions and global_reads, so reads are
-- local everywhere and each application pays a global write.
ALTER TABLE promo_codes CONFIGURE ZONE USING
    num_replicas = 5,
    num_voters = 5,
    constraints = '{"+region=gcp-us-east1": 1, "+region=gcp-us-west1": 1, "+region=gcp-europe-west1": 1}',
    voter_constraints = '{"+region=gcp-us-east1": 2}',
    lease_preferences = '[[+region=gcp-us-east1]]',
    global_reads = true;
