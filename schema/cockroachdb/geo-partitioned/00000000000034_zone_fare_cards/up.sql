-- fare_cards is not partitioned: every ride start, in every region, reads the
-- card in force; operators write it rarely. Placed like usernames and
-- api_tokens (what a GLOBAL table gets under region survival): five voters
-- across the regions and global_reads, so each region reads it locally.
ALTER TABLE fare_cards CONFIGURE ZONE USING
    num_replicas = 5,
    num_voters = 5,
    constraints = '{"+region=gcp-us-east1": 1, "+region=gcp-us-west1": 1, "+region=gcp-europe-west1": 1}',
    voter_constraints = '{"+region=gcp-us-east1": 2}',
    lease_preferences = '[[+region=gcp-us-east1]]',
    global_reads = true;
