-- usernames is not partitioned: every login reads it by name, in every region;
-- registering and deleting an account write it. Its placement is chosen, not
-- left to the default: what a GLOBAL table gets in the multi-region layout
-- under region survival. Five voting replicas span the three regions (two in
-- gcp-us-east1, where the lease prefers to be), and global_reads lets the
-- replica in the reader's own region serve consistent reads without a round
-- trip to the leaseholder. The cost falls on the rare writes: a quorum of
-- three spans two regions, and a write commits at a future timestamp and waits
-- it out (non-blocking transactions), a few hundred milliseconds. Losing any
-- one region, gcp-us-east1 included, leaves this table readable and writable
-- (the lost region's own users rows are another matter: see README.md).
ALTER TABLE usernames CONFIGURE ZONE USING
    num_replicas = 5,
    num_voters = 5,
    constraints = '{"+region=gcp-us-east1": 1, "+region=gcp-us-west1": 1, "+region=gcp-europe-west1": 1}',
    voter_constraints = '{"+region=gcp-us-east1": 2}',
    lease_preferences = '[[+region=gcp-us-east1]]',
    global_reads = true;
