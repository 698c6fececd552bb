DROP INDEX api_tokens_user_idx;
