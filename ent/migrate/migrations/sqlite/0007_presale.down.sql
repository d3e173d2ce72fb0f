-- reverse: create index "shoppernotice_user_id_id" to table: "shopper_notices"
DROP INDEX `shoppernotice_user_id_id`;
-- reverse: create index "shoppernotice_order_id_kind" to table: "shopper_notices"
DROP INDEX `shoppernotice_order_id_kind`;
-- reverse: create "shopper_notices" table
DROP TABLE `shopper_notices`;
-- reverse: create index "orderline_item_id" to table: "order_lines"
DROP INDEX `orderline_item_id`;
-- reverse: create index "orderline_order_id_item_id" to table: "order_lines"
DROP INDEX `orderline_order_id_item_id`;
-- reverse: create "order_lines" table
DROP TABLE `order_lines`;
-- reverse: create index "order_status_ready_at" to table: "orders"
DROP INDEX `order_status_ready_at`;
-- reverse: create index "order_release_pending" to table: "orders"
DROP INDEX `order_release_pending`;
-- reverse: create index "order_status_expires_at" to table: "orders"
DROP INDEX `order_status_expires_at`;
-- reverse: create index "order_status_picked_up_at" to table: "orders"
DROP INDEX `order_status_picked_up_at`;
-- reverse: create index "order_leader_id_batch_id" to table: "orders"
DROP INDEX `order_leader_id_batch_id`;
-- reverse: create index "order_batch_id_leader_id_status" to table: "orders"
DROP INDEX `order_batch_id_leader_id_status`;
-- reverse: create index "order_pickup_code" to table: "orders"
DROP INDEX `order_pickup_code`;
-- reverse: create index "order_user_id_id" to table: "orders"
DROP INDEX `order_user_id_id`;
-- reverse: create index "order_user_id_idempotency_key" to table: "orders"
DROP INDEX `order_user_id_idempotency_key`;
-- reverse: create "orders" table
DROP TABLE `orders`;
-- reverse: create index "batchitem_batch_id_sku_id" to table: "batch_items"
DROP INDEX `batchitem_batch_id_sku_id`;
-- reverse: create "batch_items" table
DROP TABLE `batch_items`;
-- reverse: create index "batchgrid_grid_cell" to table: "batch_grids"
DROP INDEX `batchgrid_grid_cell`;
-- reverse: create index "batchgrid_batch_id_grid_cell" to table: "batch_grids"
DROP INDEX `batchgrid_batch_id_grid_cell`;
-- reverse: create "batch_grids" table
DROP TABLE `batch_grids`;
-- reverse: create index "batch_status_cutoff_at" to table: "batches"
DROP INDEX `batch_status_cutoff_at`;
-- reverse: create index "batch_status_opens_at" to table: "batches"
DROP INDEX `batch_status_opens_at`;
-- reverse: create "batches" table
DROP TABLE `batches`;
-- reverse: create index "arrival_batch_id_leader_id" to table: "arrivals"
DROP INDEX `arrival_batch_id_leader_id`;
-- reverse: create "arrivals" table
DROP TABLE `arrivals`;
-- reverse: create index "aftersale_status_id" to table: "after_sales"
DROP INDEX `aftersale_status_id`;
-- reverse: create index "aftersale_user_id_id" to table: "after_sales"
DROP INDEX `aftersale_user_id_id`;
-- reverse: create index "aftersale_order_id" to table: "after_sales"
DROP INDEX `aftersale_order_id`;
-- reverse: create "after_sales" table
DROP TABLE `after_sales`;
