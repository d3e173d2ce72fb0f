-- reverse: create index "settlement_days_day_key" to table: "settlement_days"
DROP INDEX "settlement_days_day_key";
-- reverse: create "settlement_days" table
DROP TABLE "settlement_days";
-- reverse: create index "settlementshare_result_finished" to table: "settlement_shares"
DROP INDEX "settlementshare_result_finished";
-- reverse: create index "order_batch_id_grid_cell_leader_id_status" to table: "orders"
DROP INDEX "order_batch_id_grid_cell_leader_id_status";
