-- A user's tokens (see schema/postgres/): issuing a token deletes that user's
-- expired, revoked and surplus tokens, deleting an account deletes its
-- tokens. api_tokens is not partitioned: the index's ranges take the table's
-- own placement (00000000000031_zone_api_tokens), as the primary index's do.
CREATE INDEX api_tokens_user_idx ON api_tokens (user_city, user_id);
