-- reverse: create index "settlementshare_leader_id_result_retried_by" to table: "settlement_shares"
DROP INDEX `settlementshare_leader_id_result_retried_by`;
-- reverse: create index "settlementshare_run_id_level" to table: "settlement_shares"
DROP INDEX `settlementshare_run_id_level`;
-- reverse: create index "settlementshare_item_id" to table: "settlement_shares"
DROP INDEX `settlementshare_item_id`;
-- reverse: create "settlement_shares" table
DROP TABLE `settlement_shares`;
-- reverse: create index "settlementrun_created_at" to table: "settlement_runs"
DROP INDEX `settlementrun_created_at`;
-- reverse: create index "settlementrun_key" to table: "settlement_runs"
DROP INDEX `settlementrun_key`;
-- reverse: create "settlement_runs" table
DROP TABLE `settlement_runs`;
-- reverse: create index "settlementreturn_order_id" to table: "settlement_returns"
DROP INDEX `settlementreturn_order_id`;
-- reverse: create index "settlementreturn_active_due" to table: "settlement_returns"
DROP INDEX `settlementreturn_active_due`;
-- reverse: create index "settlementreturn_out_return_no" to table: "settlement_returns"
DROP INDEX `settlementreturn_out_return_no`;
-- reverse: create "settlement_returns" table
DROP TABLE `settlement_returns`;
-- reverse: create index "settlementitem_active_run" to table: "settlement_items"
DROP INDEX `settlementitem_active_run`;
-- reverse: create index "settlementitem_run_id_state" to table: "settlement_items"
DROP INDEX `settlementitem_run_id_state`;
-- reverse: create index "settlementitem_active_deadline" to table: "settlement_items"
DROP INDEX `settlementitem_active_deadline`;
-- reverse: create index "settlementitem_order_id_state" to table: "settlement_items"
DROP INDEX `settlementitem_order_id_state`;
-- reverse: create index "settlementitem_active_order" to table: "settlement_items"
DROP INDEX `settlementitem_active_order`;
-- reverse: create index "settlementitem_out_order_no" to table: "settlement_items"
DROP INDEX `settlementitem_out_order_no`;
-- reverse: create index "settlementitem_run_id_order_id" to table: "settlement_items"
DROP INDEX `settlementitem_run_id_order_id`;
-- reverse: create "settlement_items" table
DROP TABLE `settlement_items`;
-- reverse: create index "order_paid_at_id" to table: "orders"
DROP INDEX `order_paid_at_id`;
-- reverse: add column "name" to table: "receiver_registrations"
ALTER TABLE `receiver_registrations` DROP COLUMN `name`;
