-- create "shipping_declarations" table
CREATE TABLE `shipping_declarations` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `order_id` integer NOT NULL, `kind` text NOT NULL, `transaction_id` text NULL, `out_trade_no` text NULL, `payer_openid` text NULL, `item_desc` text NULL, `promised_at` datetime NULL, `state` text NOT NULL DEFAULT ('pending'), `attempts` integer NOT NULL DEFAULT (0), `next_attempt_at` datetime NOT NULL, `last_error` text NULL, `uploaded_at` datetime NULL);
-- create index "shippingdeclaration_order_id_kind" to table: "shipping_declarations"
CREATE UNIQUE INDEX `shippingdeclaration_order_id_kind` ON `shipping_declarations` (`order_id`, `kind`);
-- create index "shippingdeclaration_state_next_attempt_at" to table: "shipping_declarations"
CREATE INDEX `shippingdeclaration_state_next_attempt_at` ON `shipping_declarations` (`state`, `next_attempt_at`);
-- create index "shippingdeclaration_state_created_at" to table: "shipping_declarations"
CREATE INDEX `shippingdeclaration_state_created_at` ON `shipping_declarations` (`state`, `created_at`);
