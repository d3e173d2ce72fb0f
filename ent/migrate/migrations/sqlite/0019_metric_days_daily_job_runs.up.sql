-- create index "paymentrefund_success_at" to table: "payment_refunds"
CREATE INDEX `paymentrefund_success_at` ON `payment_refunds` (`success_at`);
-- create index "order_created_at" to table: "orders"
CREATE INDEX `order_created_at` ON `orders` (`created_at`);
-- create index "order_user_id_created_at" to table: "orders"
CREATE INDEX `order_user_id_created_at` ON `orders` (`user_id`, `created_at`);
-- create "daily_job_runs" table
CREATE TABLE `daily_job_runs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `job` text NOT NULL, `day` text NOT NULL, `owner` text NOT NULL, `attempts` integer NOT NULL DEFAULT (1), `started_at` datetime NOT NULL, `lease_until` datetime NOT NULL, `finished_at` datetime NULL, `error` text NULL);
-- create index "dailyjobrun_job_day" to table: "daily_job_runs"
CREATE UNIQUE INDEX `dailyjobrun_job_day` ON `daily_job_runs` (`job`, `day`);
-- create "metric_days" table
CREATE TABLE `metric_days` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `day` text NOT NULL, `level` text NOT NULL, `grid_cell` text NOT NULL DEFAULT (''), `leader_id` integer NOT NULL DEFAULT (0), `batch_id` integer NOT NULL DEFAULT (0), `visitors` integer NOT NULL DEFAULT (0), `page_views` integer NOT NULL DEFAULT (0), `sessions` integer NOT NULL DEFAULT (0), `bounces` integer NOT NULL DEFAULT (0), `carters` integer NOT NULL DEFAULT (0), `sharers` integer NOT NULL DEFAULT (0), `shares` integer NOT NULL DEFAULT (0), `share_opens` integer NOT NULL DEFAULT (0), `buyers` integer NOT NULL DEFAULT (0), `payers` integer NOT NULL DEFAULT (0), `orders` integer NOT NULL DEFAULT (0), `items` integer NOT NULL DEFAULT (0), `paid` integer NOT NULL DEFAULT (0), `refunded_by_order_day` integer NOT NULL DEFAULT (0), `refunded_on_day` integer NOT NULL DEFAULT (0), `new_payers` integer NOT NULL DEFAULT (0), `repeat_payers` integer NOT NULL DEFAULT (0), `share_orders` integer NOT NULL DEFAULT (0), `invitees` integer NOT NULL DEFAULT (0), `inviters` integer NOT NULL DEFAULT (0), `computed_at` datetime NOT NULL);
-- create index "metricday_level_grid_cell_leader_id_batch_id_day" to table: "metric_days"
CREATE UNIQUE INDEX `metricday_level_grid_cell_leader_id_batch_id_day` ON `metric_days` (`level`, `grid_cell`, `leader_id`, `batch_id`, `day`);
-- create index "metricday_day" to table: "metric_days"
CREATE INDEX `metricday_day` ON `metric_days` (`day`);
