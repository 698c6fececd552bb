-- A user's tokens (see schema/postgres/): issuing a token deletes that user's
-- expired, revoked and surplus tokens, deleting an account deletes its
-- tokens. Part of the GLOBAL table, so written with it (by logins, rarely).
CREATE INDEX api_tokens_user_idx ON api_tokens (user_city, user_id);
