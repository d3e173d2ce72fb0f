-- add column "name" to table: "receiver_registrations"
ALTER TABLE `receiver_registrations` ADD COLUMN `name` text NULL;
-- create index "order_paid_at_id" to table: "orders"
CREATE INDEX `order_paid_at_id` ON `orders` (`paid_at`, `id`);
-- create "settlement_items" table
CREATE TABLE `settlement_items` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `run_id` integer NOT NULL, `order_id` integer NOT NULL, `grid_cell` text NOT NULL DEFAULT (''), `transaction_id` text NOT NULL, `out_order_no` text NOT NULL, `kind` text NOT NULL, `amount` integer NOT NULL, `deadline` datetime NOT NULL, `state` text NOT NULL DEFAULT ('pending'), `active` bool NOT NULL DEFAULT (true), `retriable` bool NOT NULL DEFAULT (false), `attempts` integer NOT NULL DEFAULT (0), `next_attempt_at` datetime NOT NULL, `lease_until` datetime NULL, `wechat_order_id` text NULL, `last_error` text NULL, `created_at` datetime NOT NULL, `finished_at` datetime NULL);
-- create index "settlementitem_run_id_order_id" to table: "settlement_items"
CREATE UNIQUE INDEX `settlementitem_run_id_order_id` ON `settlement_items` (`run_id`, `order_id`);
-- create index "settlementitem_out_order_no" to table: "settlement_items"
CREATE UNIQUE INDEX `settlementitem_out_order_no` ON `settlement_items` (`out_order_no`);
-- create index "settlementitem_active_order" to table: "settlement_items"
CREATE UNIQUE INDEX `settlementitem_active_order` ON `settlement_items` (`order_id`) WHERE active;
-- create index "settlementitem_order_id_state" to table: "settlement_items"
CREATE INDEX `settlementitem_order_id_state` ON `settlement_items` (`order_id`, `state`);
-- create index "settlementitem_active_deadline" to table: "settlement_items"
CREATE INDEX `settlementitem_active_deadline` ON `settlement_items` (`deadline`, `id`) WHERE active;
-- create index "settlementitem_run_id_state" to table: "settlement_items"
CREATE INDEX `settlementitem_run_id_state` ON `settlement_items` (`run_id`, `state`);
-- create index "settlementitem_active_run" to table: "settlement_items"
CREATE INDEX `settlementitem_active_run` ON `settlement_items` (`run_id`) WHERE active;
-- create "settlement_returns" table
CREATE TABLE `settlement_returns` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `share_id` integer NOT NULL, `order_id` integer NOT NULL, `leader_id` integer NOT NULL, `refund_no` text NOT NULL, `out_order_no` text NOT NULL, `out_return_no` text NOT NULL, `return_mch_id` text NOT NULL, `amount` integer NOT NULL, `state` text NOT NULL DEFAULT ('pending'), `active` bool NOT NULL DEFAULT (true), `attempts` integer NOT NULL DEFAULT (0), `next_attempt_at` datetime NOT NULL, `return_id` text NULL, `fail_reason` text NULL, `created_at` datetime NOT NULL, `finished_at` datetime NULL);
-- create index "settlementreturn_out_return_no" to table: "settlement_returns"
CREATE UNIQUE INDEX `settlementreturn_out_return_no` ON `settlement_returns` (`out_return_no`);
-- create index "settlementreturn_active_due" to table: "settlement_returns"
CREATE INDEX `settlementreturn_active_due` ON `settlement_returns` (`next_attempt_at`, `id`) WHERE active;
-- create index "settlementreturn_order_id" to table: "settlement_returns"
CREATE INDEX `settlementreturn_order_id` ON `settlement_returns` (`order_id`);
-- create "settlement_runs" table
CREATE TABLE `settlement_runs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `key` text NOT NULL, `cutoff` datetime NOT NULL, `trigger` text NOT NULL, `started_by` integer NOT NULL DEFAULT (0), `state` text NOT NULL DEFAULT ('running'), `created_at` datetime NOT NULL, `selected_at` datetime NULL, `cursor_paid_at` datetime NULL, `cursor_order_id` integer NOT NULL DEFAULT (0), `finished_at` datetime NULL);
-- create index "settlementrun_key" to table: "settlement_runs"
CREATE UNIQUE INDEX `settlementrun_key` ON `settlement_runs` (`key`);
-- create index "settlementrun_created_at" to table: "settlement_runs"
CREATE INDEX `settlementrun_created_at` ON `settlement_runs` (`created_at`);
-- create "settlement_shares" table
CREATE TABLE `settlement_shares` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `item_id` integer NOT NULL, `run_id` integer NOT NULL, `leader_id` integer NOT NULL, `level` integer NOT NULL, `source_order_id` integer NOT NULL, `receiver_type` text NOT NULL DEFAULT ('PERSONAL_OPENID'), `account` text NOT NULL, `amount` integer NOT NULL, `result` text NOT NULL DEFAULT ('pending'), `fail_reason` text NULL, `retry_of` integer NOT NULL DEFAULT (0), `retried_by` integer NOT NULL DEFAULT (0), `detail_id` text NULL, `finished_at` datetime NULL);
-- create index "settlementshare_item_id" to table: "settlement_shares"
CREATE INDEX `settlementshare_item_id` ON `settlement_shares` (`item_id`);
-- create index "settlementshare_run_id_level" to table: "settlement_shares"
CREATE INDEX `settlementshare_run_id_level` ON `settlement_shares` (`run_id`, `level`);
-- create index "settlementshare_leader_id_result_retried_by" to table: "settlement_shares"
CREATE INDEX `settlementshare_leader_id_result_retried_by` ON `settlement_shares` (`leader_id`, `result`, `retried_by`);
