DROP TABLE usernames;
