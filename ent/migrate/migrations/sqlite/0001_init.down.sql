-- reverse: create index "user_phone_key_id" to table: "users"
DROP INDEX `user_phone_key_id`;
-- reverse: create index "user_openid" to table: "users"
DROP INDEX `user_openid`;
-- reverse: create "users" table
DROP TABLE `users`;
-- reverse: create index "session_subject_kind_subject_id" to table: "sessions"
DROP INDEX `session_subject_kind_subject_id`;
-- reverse: create index "session_family" to table: "sessions"
DROP INDEX `session_family`;
-- reverse: create index "session_token_hash" to table: "sessions"
DROP INDEX `session_token_hash`;
-- reverse: create "sessions" table
DROP TABLE `sessions`;
-- reverse: create index "consoleaccount_username" to table: "console_accounts"
DROP INDEX `consoleaccount_username`;
-- reverse: create "console_accounts" table
DROP TABLE `console_accounts`;
