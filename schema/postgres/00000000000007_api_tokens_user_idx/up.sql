-- A user's tokens, for issuing one (which deletes that user's expired and
-- revoked tokens, and the oldest live ones beyond MAX_TOKENS_PER_USER) and
-- for deleting an account (which deletes its tokens): without it each would
-- scan the whole table.
CREATE INDEX api_tokens_user_idx ON api_tokens (user_city, user_id);
