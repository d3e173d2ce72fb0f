-- create "after_sales" table
CREATE TABLE `after_sales` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `order_id` integer NOT NULL, `user_id` integer NOT NULL, `leader_id` integer NOT NULL, `status` text NOT NULL DEFAULT ('requested'), `reason` text NOT NULL, `lines` blob NOT NULL, `amount` integer NOT NULL, `reviewer_id` integer NULL, `review_note` text NULL, `reviewed_at` datetime NULL, `out_refund_no` text NULL, `fail_reason` text NULL);
-- create index "aftersale_order_id" to table: "after_sales"
CREATE INDEX `aftersale_order_id` ON `after_sales` (`order_id`);
-- create index "aftersale_user_id_id" to table: "after_sales"
CREATE INDEX `aftersale_user_id_id` ON `after_sales` (`user_id`, `id`);
-- create index "aftersale_status_id" to table: "after_sales"
CREATE INDEX `aftersale_status_id` ON `after_sales` (`status`, `id`);
-- create "arrivals" table
CREATE TABLE `arrivals` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `batch_id` integer NOT NULL, `leader_id` integer NOT NULL, `arrived_at` datetime NOT NULL, `marked_by` text NOT NULL);
-- create index "arrival_batch_id_leader_id" to table: "arrivals"
CREATE UNIQUE INDEX `arrival_batch_id_leader_id` ON `arrivals` (`batch_id`, `leader_id`);
-- create "batches" table
CREATE TABLE `batches` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `title` text NOT NULL, `status` text NOT NULL DEFAULT ('draft'), `opens_at` datetime NOT NULL, `cutoff_at` datetime NOT NULL, `pickup_date` datetime NOT NULL, `created_by` integer NOT NULL, `cancel_reason` text NULL, `dispatched_at` datetime NULL, `cancelled_at` datetime NULL);
-- create index "batch_status_opens_at" to table: "batches"
CREATE INDEX `batch_status_opens_at` ON `batches` (`status`, `opens_at`);
-- create index "batch_status_cutoff_at" to table: "batches"
CREATE INDEX `batch_status_cutoff_at` ON `batches` (`status`, `cutoff_at`);
-- create "batch_grids" table
CREATE TABLE `batch_grids` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `batch_id` integer NOT NULL, `grid_cell` text NOT NULL);
-- create index "batchgrid_batch_id_grid_cell" to table: "batch_grids"
CREATE UNIQUE INDEX `batchgrid_batch_id_grid_cell` ON `batch_grids` (`batch_id`, `grid_cell`);
-- create index "batchgrid_grid_cell" to table: "batch_grids"
CREATE INDEX `batchgrid_grid_cell` ON `batch_grids` (`grid_cell`);
-- create "batch_items" table
CREATE TABLE `batch_items` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `batch_id` integer NOT NULL, `sku_id` integer NOT NULL, `product_id` integer NOT NULL, `title` text NOT NULL, `spec` text NOT NULL, `unit` text NOT NULL, `image` text NULL, `list_price` integer NOT NULL, `price` integer NOT NULL, `quota` integer NOT NULL, `per_shopper_limit` integer NOT NULL, `commission_bp` integer NOT NULL, `taken` integer NOT NULL DEFAULT (0));
-- create index "batchitem_batch_id_sku_id" to table: "batch_items"
CREATE UNIQUE INDEX `batchitem_batch_id_sku_id` ON `batch_items` (`batch_id`, `sku_id`);
-- create "orders" table
CREATE TABLE `orders` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `user_id` integer NOT NULL, `leader_id` integer NOT NULL, `batch_id` integer NOT NULL, `grid_cell` text NOT NULL, `status` text NOT NULL DEFAULT ('pending_payment'), `idempotency_key` text NOT NULL, `amount` integer NOT NULL, `refunded` integer NOT NULL DEFAULT (0), `pay_attempt` integer NOT NULL DEFAULT (1), `expires_at` datetime NOT NULL, `paid_at` datetime NULL, `cancelled_at` datetime NULL, `cancel_reason` text NULL, `release_pending` bool NOT NULL DEFAULT (false), `ready_at` datetime NULL, `picked_up_at` datetime NULL, `pickup_code` text NULL, `overdue_at` datetime NULL);
-- create index "order_user_id_idempotency_key" to table: "orders"
CREATE UNIQUE INDEX `order_user_id_idempotency_key` ON `orders` (`user_id`, `idempotency_key`);
-- create index "order_user_id_id" to table: "orders"
CREATE INDEX `order_user_id_id` ON `orders` (`user_id`, `id`);
-- create index "order_pickup_code" to table: "orders"
CREATE UNIQUE INDEX `order_pickup_code` ON `orders` (`pickup_code`);
-- create index "order_batch_id_leader_id_status" to table: "orders"
CREATE INDEX `order_batch_id_leader_id_status` ON `orders` (`batch_id`, `leader_id`, `status`);
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
-- create "order_lines" table
CREATE TABLE `order_lines` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `order_id` integer NOT NULL, `item_id` integer NOT NULL, `sku_id` integer NOT NULL, `title` text NOT NULL, `price` integer NOT NULL, `quantity` integer NOT NULL, `amount` integer NOT NULL, `commission_bp` integer NOT NULL, `refunded_quantity` integer NOT NULL DEFAULT (0), `refunded_amount` integer NOT NULL DEFAULT (0));
-- create index "orderline_order_id_item_id" to table: "order_lines"
CREATE UNIQUE INDEX `orderline_order_id_item_id` ON `order_lines` (`order_id`, `item_id`);
-- create index "orderline_item_id" to table: "order_lines"
CREATE INDEX `orderline_item_id` ON `order_lines` (`item_id`);
-- create "shopper_notices" table
CREATE TABLE `shopper_notices` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `user_id` integer NOT NULL, `order_id` integer NOT NULL, `kind` text NOT NULL, `title` text NOT NULL, `body` text NOT NULL, `created_at` datetime NOT NULL, `read_at` datetime NULL);
-- create index "shoppernotice_order_id_kind" to table: "shopper_notices"
CREATE UNIQUE INDEX `shoppernotice_order_id_kind` ON `shopper_notices` (`order_id`, `kind`);
-- create index "shoppernotice_user_id_id" to table: "shopper_notices"
CREATE INDEX `shoppernotice_user_id_id` ON `shopper_notices` (`user_id`, `id`);
