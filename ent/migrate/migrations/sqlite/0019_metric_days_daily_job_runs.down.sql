-- reverse: create index "metricday_day" to table: "metric_days"
DROP INDEX `metricday_day`;
-- reverse: create index "metricday_level_grid_cell_leader_id_batch_id_day" to table: "metric_days"
DROP INDEX `metricday_level_grid_cell_leader_id_batch_id_day`;
-- reverse: create "metric_days" table
DROP TABLE `metric_days`;
-- reverse: create index "dailyjobrun_job_day" to table: "daily_job_runs"
DROP INDEX `dailyjobrun_job_day`;
-- reverse: create "daily_job_runs" table
DROP TABLE `daily_job_runs`;
-- reverse: create index "order_user_id_created_at" to table: "orders"
DROP INDEX `order_user_id_created_at`;
-- reverse: create index "order_created_at" to table: "orders"
DROP INDEX `order_created_at`;
-- reverse: create index "paymentrefund_success_at" to table: "payment_refunds"
DROP INDEX `paymentrefund_success_at`;
