-- create "payments" table
CREATE TABLE `payments` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `out_trade_no` text NOT NULL, `description` text NOT NULL, `amount` integer NOT NULL, `payer_openid` text NOT NULL, `profit_sharing` bool NOT NULL DEFAULT (false), `state` text NOT NULL DEFAULT ('created'), `prepay_id` text NULL, `transaction_id` text NULL, `paid_at` datetime NULL, `expires_at` datetime NULL, `refunded` integer NOT NULL DEFAULT (0));
-- create index "payments_out_trade_no_key" to table: "payments"
CREATE UNIQUE INDEX `payments_out_trade_no_key` ON `payments` (`out_trade_no`);
-- create index "payments_transaction_id_key" to table: "payments"
CREATE UNIQUE INDEX `payments_transaction_id_key` ON `payments` (`transaction_id`);
-- create index "payment_state_created_at" to table: "payments"
CREATE INDEX `payment_state_created_at` ON `payments` (`state`, `created_at`);
-- create "payment_notifications" table
CREATE TABLE `payment_notifications` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `notification_id` text NOT NULL, `event_type` text NOT NULL, `resource_type` text NULL, `summary` text NULL, `create_time` datetime NULL, `resource` text NOT NULL, `received_at` datetime NOT NULL);
-- create index "payment_notifications_notification_id_key" to table: "payment_notifications"
CREATE UNIQUE INDEX `payment_notifications_notification_id_key` ON `payment_notifications` (`notification_id`);
-- create "payment_refunds" table
CREATE TABLE `payment_refunds` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `out_refund_no` text NOT NULL, `out_trade_no` text NOT NULL, `amount` integer NOT NULL, `total` integer NOT NULL, `reason` text NULL, `state` text NOT NULL DEFAULT ('created'), `refund_id` text NULL, `transaction_id` text NULL, `success_at` datetime NULL);
-- create index "payment_refunds_out_refund_no_key" to table: "payment_refunds"
CREATE UNIQUE INDEX `payment_refunds_out_refund_no_key` ON `payment_refunds` (`out_refund_no`);
-- create index "paymentrefund_out_trade_no" to table: "payment_refunds"
CREATE INDEX `paymentrefund_out_trade_no` ON `payment_refunds` (`out_trade_no`);
