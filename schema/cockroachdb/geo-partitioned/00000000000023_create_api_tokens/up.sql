-- api_tokens: the same columns, keys and checks as schema/postgres/.
CREATE TABLE api_tokens (
    token_hash BYTES NOT NULL,
    user_city STRING NOT NULL,
    user_id UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ NULL,
    CONSTRAINT api_tokens_pkey PRIMARY KEY (token_hash),
    CONSTRAINT api_tokens_user_fkey FOREIGN KEY (user_city, user_id) REFERENCES users (city, id),
    CONSTRAINT api_tokens_hash_length_check CHECK (length(token_hash) = 32)
);
