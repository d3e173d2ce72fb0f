-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_orders" table
CREATE TABLE `new_orders` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `user_id` integer NOT NULL, `leader_id` integer NOT NULL, `batch_id` integer NOT NULL, `grid_cell` text NOT NULL, `status` text NOT NULL DEFAULT ('pending_payment'), `idempotency_key` text NOT NULL, `amount` integer NOT NULL, `promo_off` integer NOT NULL DEFAULT (0), `coupon_off` integer NOT NULL DEFAULT (0), `activity_id` integer NULL, `coupon_id` integer NULL, `leader_funded` integer NOT NULL DEFAULT (0), `refunded` integer NOT NULL DEFAULT (0), `pay_attempt` integer NOT NULL DEFAULT (1), `expires_at` datetime NOT NULL, `paid_at` datetime NULL, `cancelled_at` datetime NULL, `cancel_reason` text NULL, `release_pending` bool NOT NULL DEFAULT (false), `ready_at` datetime NULL, `picked_up_at` datetime NULL, `pickup_code` text NULL, `overdue_at` datetime NULL);
-- copy rows from old table "orders" to new temporary table "new_orders"
INSERT INTO `new_orders` (`id`, `created_at`, `updated_at`, `user_id`, `leader_id`, `batch_id`, `grid_cell`, `status`, `idempotency_key`, `amount`, `refunded`, `pay_attempt`, `expires_at`, `paid_at`, `cancelled_at`, `cancel_reason`, `release_pending`, `ready_at`, `picked_up_at`, `pickup_code`, `overdue_at`) SELECT `id`, `created_at`, `updated_at`, `user_id`, `leader_id`, `batch_id`, `grid_cell`, `status`, `idempotency_key`, `amount`, `refunded`, `pay_attempt`, `expires_at`, `paid_at`, `cancelled_at`, `cancel_reason`, `release_pending`, `ready_at`, `picked_up_at`, `pickup_code`, `overdue_at` FROM `orders`;
-- drop "orders" table after copying rows
DROP TABLE `orders`;
-- rename temporary table "new_orders" to "orders"
ALTER TABLE `new_orders` RENAME TO `orders`;
-- create index "order_user_id_idempotency_key" to table: "orders"
CREATE UNIQUE INDEX `order_user_id_idempotency_key` ON `orders` (`user_id`, `idempotency_key`);
-- create index "order_user_id_id" to table: "orders"
CREATE INDEX `order_user_id_id` ON `orders` (`user_id`, `id`);
-- create index "order_pickup_code" to table: "orders"
CREATE UNIQUE INDEX `order_pickup_code` ON `orders` (`pickup_code`);
-- create index "order_batch_id_leader_id_status" to table: "orders"
CREATE INDEX `order_batch_id_leader_id_status` ON `orders` (`batch_id`, `leader_id`, `status`);
-- create index "order_batch_id_grid_cell_leader_id_status" to table: "orders"
CREATE INDEX `order_batch_id_grid_cell_leader_id_status` ON `orders` (`batch_id`, `grid_cell`, `leader_id`, `status`);
-- create index "order_leader_id_batch_id" to table: "orders"
CREATE INDEX `order_leader_id_batch_id` ON `orders` (`leader_id`, `batch_id`);
-- create index "order_status_picked_up_at" to table: "orders"
CREATE INDEX `order_status_picked_up_at` ON `orders` (`status`, `picked_up_at`);
-- create index "order_status_expires_at" to table: "orders"
CREATE INDEX `order_status_expires_at` ON `orders` (`status`, `expires_at`);
-- create index "order_release_pending" to table: "orders"
CREATE INDEX `order_release_pending` ON `orders` (`id`) WHERE release_pending;
-- create index "order_status_ready_at" to table: "orders"
CREATE INDEX `order_status_ready_at` ON `orders` (`status`, `ready_at`);
-- create index "order_paid_at_id" to table: "orders"
CREATE INDEX `order_paid_at_id` ON `orders` (`paid_at`, `id`);
-- create "new_order_lines" table
CREATE TABLE `new_order_lines` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `order_id` integer NOT NULL, `item_id` integer NOT NULL, `sku_id` integer NOT NULL, `title` text NOT NULL, `price` integer NOT NULL, `quantity` integer NOT NULL, `amount` integer NOT NULL, `promo_off` integer NOT NULL DEFAULT (0), `coupon_off` integer NOT NULL DEFAULT (0), `leader_funded` integer NOT NULL DEFAULT (0), `gift` bool NOT NULL DEFAULT (false), `commission_bp` integer NOT NULL, `refunded_quantity` integer NOT NULL DEFAULT (0), `refunded_amount` integer NOT NULL DEFAULT (0));
-- copy rows from old table "order_lines" to new temporary table "new_order_lines"
INSERT INTO `new_order_lines` (`id`, `order_id`, `item_id`, `sku_id`, `title`, `price`, `quantity`, `amount`, `commission_bp`, `refunded_quantity`, `refunded_amount`) SELECT `id`, `order_id`, `item_id`, `sku_id`, `title`, `price`, `quantity`, `amount`, `commission_bp`, `refunded_quantity`, `refunded_amount` FROM `order_lines`;
-- drop "order_lines" table after copying rows
DROP TABLE `order_lines`;
-- rename temporary table "new_order_lines" to "order_lines"
ALTER TABLE `new_order_lines` RENAME TO `order_lines`;
-- create index "orderline_order_id_item_id" to table: "order_lines"
CREATE UNIQUE INDEX `orderline_order_id_item_id` ON `order_lines` (`order_id`, `item_id`);
-- create index "orderline_item_id" to table: "order_lines"
CREATE INDEX `orderline_item_id` ON `order_lines` (`item_id`);
-- create "coupons" table
CREATE TABLE `coupons` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `template_id` integer NOT NULL, `user_id` integer NOT NULL, `seq` integer NOT NULL, `issue_key` text NOT NULL, `rules` blob NOT NULL, `most` integer NOT NULL, `state` text NOT NULL DEFAULT ('available'), `valid_from` datetime NOT NULL, `valid_until` datetime NOT NULL, `order_id` integer NULL, `discount` integer NOT NULL DEFAULT (0), `claimed_at` datetime NOT NULL, `locked_at` datetime NULL, `used_at` datetime NULL, `released_at` datetime NULL);
-- create index "coupon_template_id_user_id_seq" to table: "coupons"
CREATE UNIQUE INDEX `coupon_template_id_user_id_seq` ON `coupons` (`template_id`, `user_id`, `seq`);
-- create index "coupon_issue_key" to table: "coupons"
CREATE UNIQUE INDEX `coupon_issue_key` ON `coupons` (`issue_key`);
-- create index "coupon_user_id_state_valid_until" to table: "coupons"
CREATE INDEX `coupon_user_id_state_valid_until` ON `coupons` (`user_id`, `state`, `valid_until`);
-- create index "coupon_order_id" to table: "coupons"
CREATE INDEX `coupon_order_id` ON `coupons` (`order_id`);
-- create index "coupon_template_id_state" to table: "coupons"
CREATE INDEX `coupon_template_id_state` ON `coupons` (`template_id`, `state`);
-- create index "coupon_state_valid_until" to table: "coupons"
CREATE INDEX `coupon_state_valid_until` ON `coupons` (`state`, `valid_until`);
-- create "coupon_sends" table
CREATE TABLE `coupon_sends` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `template_id` integer NOT NULL, `created_by` integer NOT NULL, `note` text NULL, `status` text NOT NULL DEFAULT ('running'), `total` integer NOT NULL, `issued` integer NOT NULL DEFAULT (0), `skipped` integer NOT NULL DEFAULT (0), `finished_at` datetime NULL);
-- create index "couponsend_status_id" to table: "coupon_sends"
CREATE INDEX `couponsend_status_id` ON `coupon_sends` (`status`, `id`);
-- create "coupon_send_targets" table
CREATE TABLE `coupon_send_targets` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `send_id` integer NOT NULL, `user_id` integer NOT NULL, `status` text NOT NULL DEFAULT ('pending'), `reason` text NULL);
-- create index "couponsendtarget_send_id_user_id" to table: "coupon_send_targets"
CREATE UNIQUE INDEX `couponsendtarget_send_id_user_id` ON `coupon_send_targets` (`send_id`, `user_id`);
-- create index "couponsendtarget_send_id_status_user_id" to table: "coupon_send_targets"
CREATE INDEX `couponsendtarget_send_id_status_user_id` ON `coupon_send_targets` (`send_id`, `status`, `user_id`);
-- create "coupon_templates" table
CREATE TABLE `coupon_templates` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `discount_kind` text NOT NULL, `amount_off` integer NOT NULL DEFAULT (0), `percent_bp` integer NOT NULL DEFAULT (0), `max_off` integer NOT NULL DEFAULT (0), `threshold` integer NOT NULL DEFAULT (0), `valid_from` datetime NULL, `valid_until` datetime NULL, `valid_days` integer NOT NULL DEFAULT (0), `budget_count` integer NOT NULL, `budget_amount` integer NOT NULL, `per_shopper` integer NOT NULL, `funded_by` text NOT NULL, `channel` text NOT NULL, `claim_from` datetime NOT NULL, `claim_until` datetime NOT NULL, `status` text NOT NULL DEFAULT ('active'), `created_by` integer NOT NULL, `scope_kind` text NOT NULL, `scope_ids` json NULL, `scope_cells` json NULL);
-- create index "coupontemplate_channel_status_claim_until" to table: "coupon_templates"
CREATE INDEX `coupontemplate_channel_status_claim_until` ON `coupon_templates` (`channel`, `status`, `claim_until`);
-- create "promo_activities" table
CREATE TABLE `promo_activities` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `starts_at` datetime NOT NULL, `ends_at` datetime NOT NULL, `tiers` blob NOT NULL, `status` text NOT NULL DEFAULT ('active'), `created_by` integer NOT NULL, `scope_kind` text NOT NULL, `scope_ids` json NULL, `scope_cells` json NULL);
-- create index "promoactivity_status_ends_at" to table: "promo_activities"
CREATE INDEX `promoactivity_status_ends_at` ON `promo_activities` (`status`, `ends_at`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
