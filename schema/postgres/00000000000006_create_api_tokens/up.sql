-- Bearer tokens for the API: only a SHA-256 of each token is stored, with
-- its owner, expiry and revocation. Looked up by hash on every API request,
-- so the table is unpartitioned (a GLOBAL table on CockroachDB).
CREATE TABLE api_tokens (
    token_hash BYTEA NOT NULL,
    user_city TEXT NOT NULL,
    user_id UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ NULL,
    CONSTRAINT api_tokens_pkey PRIMARY KEY (token_hash),
    CONSTRAINT api_tokens_user_fkey FOREIGN KEY (user_city, user_id) REFERENCES users (city, id),
    CONSTRAINT api_tokens_hash_length_check CHECK (length(token_hash) = 32)
);
