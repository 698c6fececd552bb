-- usernames: the same columns, keys and checks as schema/postgres/.
CREATE TABLE usernames (
    username STRING NOT NULL,
    user_city STRING NOT NULL,
    user_id UUID NOT NULL,
    CONSTRAINT usernames_pkey PRIMARY KEY (username),
    CONSTRAINT usernames_user_key UNIQUE (user_city, user_id),
    CONSTRAINT usernames_user_fkey FOREIGN KEY (user_city, user_id) REFERENCES users (city, id),
    CONSTRAINT usernames_lowercase_check CHECK (username = lower(username))
);
