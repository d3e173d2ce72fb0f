-- create index "order_batch_id_grid_cell_leader_id_status" to table: "orders"
CREATE INDEX `order_batch_id_grid_cell_leader_id_status` ON `orders` (`batch_id`, `grid_cell`, `leader_id`, `status`);
-- create index "settlementshare_result_finished" to table: "settlement_shares"
CREATE INDEX `settlementshare_result_finished` ON `settlement_shares` (`result`, `finished_at`);
-- create "settlement_days" table
CREATE TABLE `settlement_days` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `day` text NOT NULL, `amounts` json NOT NULL, `created_at` datetime NOT NULL);
-- create index "settlement_days_day_key" to table: "settlement_days"
CREATE UNIQUE INDEX `settlement_days_day_key` ON `settlement_days` (`day`);
