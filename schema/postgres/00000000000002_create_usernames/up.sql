-- Usernames are unique across all regions. A unique index on the partitioned
-- `users` table would have to include `city`, so the global rule lives in this
-- small unpartitioned table (the counterpart of a CockroachDB GLOBAL table),
-- written in the same statement as the user. Deleting an account deletes its
-- row here, which frees the name while the user row (and its rides) remain.
CREATE TABLE usernames (
    username TEXT NOT NULL,
    user_city TEXT NOT NULL,
    user_id UUID NOT NULL,
    CONSTRAINT usernames_pkey PRIMARY KEY (username),
    CONSTRAINT usernames_user_key UNIQUE (user_city, user_id),
    CONSTRAINT usernames_user_fkey FOREIGN KEY (user_city, user_id) REFERENCES users (city, id),
    CONSTRAINT usernames_lowercase_check CHECK (username = lower(username))
);
