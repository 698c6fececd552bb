DROP INDEX api_tokens@api_tokens_user_idx;
