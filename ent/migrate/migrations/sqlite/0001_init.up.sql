-- create "console_accounts" table
CREATE TABLE `console_accounts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `username` text NOT NULL, `password_hash` text NOT NULL, `role` text NOT NULL, `failed_attempts` integer NOT NULL DEFAULT (0), `locked_until` datetime NULL, `disabled` bool NOT NULL DEFAULT (false), `last_login_at` datetime NULL);
-- create index "consoleaccount_username" to table: "console_accounts"
CREATE UNIQUE INDEX `consoleaccount_username` ON `console_accounts` (`username`);
-- create "sessions" table
CREATE TABLE `sessions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subject_kind` text NOT NULL, `subject_id` integer NOT NULL, `family` text NOT NULL, `token_hash` text NOT NULL, `expires_at` datetime NOT NULL, `used_at` datetime NULL, `revoked_at` datetime NULL);
-- create index "session_token_hash" to table: "sessions"
CREATE UNIQUE INDEX `session_token_hash` ON `sessions` (`token_hash`);
-- create index "session_family" to table: "sessions"
CREATE INDEX `session_family` ON `sessions` (`family`);
-- create index "session_subject_kind_subject_id" to table: "sessions"
CREATE INDEX `session_subject_kind_subject_id` ON `sessions` (`subject_kind`, `subject_id`);
-- create "users" table
CREATE TABLE `users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `openid` text NOT NULL, `unionid` text NULL, `roles` json NOT NULL, `phone_sealed` text NULL, `phone_key_id` text NULL, `last_login_at` datetime NULL);
-- create index "user_openid" to table: "users"
CREATE UNIQUE INDEX `user_openid` ON `users` (`openid`);
-- create index "user_phone_key_id" to table: "users"
CREATE INDEX `user_phone_key_id` ON `users` (`phone_key_id`);
