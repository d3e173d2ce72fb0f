-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- add column "share_key" to table: "orders"
ALTER TABLE `orders` ADD COLUMN `share_key` text NULL;
-- create "new_coupon_templates" table
CREATE TABLE `new_coupon_templates` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `discount_kind` text NOT NULL, `amount_off` integer NOT NULL DEFAULT (0), `percent_bp` integer NOT NULL DEFAULT (0), `max_off` integer NOT NULL DEFAULT (0), `threshold` integer NOT NULL DEFAULT (0), `valid_from` datetime NULL, `valid_until` datetime NULL, `valid_days` integer NOT NULL DEFAULT (0), `budget_count` integer NOT NULL, `budget_amount` integer NOT NULL, `per_shopper` integer NOT NULL, `funded_by` text NOT NULL, `channel` text NOT NULL, `claim_from` datetime NOT NULL, `claim_until` datetime NOT NULL, `status` text NOT NULL DEFAULT ('active'), `created_by` integer NOT NULL, `issued_count` integer NOT NULL DEFAULT (0), `issued_amount` integer NOT NULL DEFAULT (0), `scope_kind` text NOT NULL, `scope_ids` json NULL, `scope_cells` json NULL);
-- copy rows from old table "coupon_templates" to new temporary table "new_coupon_templates"
INSERT INTO `new_coupon_templates` (`id`, `created_at`, `updated_at`, `name`, `discount_kind`, `amount_off`, `percent_bp`, `max_off`, `threshold`, `valid_from`, `valid_until`, `valid_days`, `budget_count`, `budget_amount`, `per_shopper`, `funded_by`, `channel`, `claim_from`, `claim_until`, `status`, `created_by`, `scope_kind`, `scope_ids`, `scope_cells`) SELECT `id`, `created_at`, `updated_at`, `name`, `discount_kind`, `amount_off`, `percent_bp`, `max_off`, `threshold`, `valid_from`, `valid_until`, `valid_days`, `budget_count`, `budget_amount`, `per_shopper`, `funded_by`, `channel`, `claim_from`, `claim_until`, `status`, `created_by`, `scope_kind`, `scope_ids`, `scope_cells` FROM `coupon_templates`;
-- drop "coupon_templates" table after copying rows
DROP TABLE `coupon_templates`;
-- rename temporary table "new_coupon_templates" to "coupon_templates"
ALTER TABLE `new_coupon_templates` RENAME TO `coupon_templates`;
-- create index "coupontemplate_channel_status_claim_until" to table: "coupon_templates"
CREATE INDEX `coupontemplate_channel_status_claim_until` ON `coupon_templates` (`channel`, `status`, `claim_until`);
-- create "shopper_events" table
CREATE TABLE `shopper_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `user_id` integer NOT NULL, `client_event_id` text NOT NULL, `kind` text NOT NULL, `at` datetime NOT NULL, `day` text NOT NULL, `client_at` datetime NULL, `session` text NULL, `leader_id` integer NULL, `grid_cell` text NULL, `batch_id` integer NULL, `item_id` integer NULL, `share_key` text NULL);
-- create index "shopperevent_user_id_client_event_id" to table: "shopper_events"
CREATE UNIQUE INDEX `shopperevent_user_id_client_event_id` ON `shopper_events` (`user_id`, `client_event_id`);
-- create index "shopperevent_day_kind" to table: "shopper_events"
CREATE INDEX `shopperevent_day_kind` ON `shopper_events` (`day`, `kind`);
-- create index "shopperevent_share_key_kind" to table: "shopper_events"
CREATE INDEX `shopperevent_share_key_kind` ON `shopper_events` (`share_key`, `kind`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
