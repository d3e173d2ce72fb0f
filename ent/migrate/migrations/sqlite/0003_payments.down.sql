-- reverse: create index "paymentrefund_out_trade_no" to table: "payment_refunds"
DROP INDEX `paymentrefund_out_trade_no`;
-- reverse: create index "payment_refunds_out_refund_no_key" to table: "payment_refunds"
DROP INDEX `payment_refunds_out_refund_no_key`;
-- reverse: create "payment_refunds" table
DROP TABLE `payment_refunds`;
-- reverse: create index "payment_notifications_notification_id_key" to table: "payment_notifications"
DROP INDEX `payment_notifications_notification_id_key`;
-- reverse: create "payment_notifications" table
DROP TABLE `payment_notifications`;
-- reverse: create index "payment_state_created_at" to table: "payments"
DROP INDEX `payment_state_created_at`;
-- reverse: create index "payments_transaction_id_key" to table: "payments"
DROP INDEX `payments_transaction_id_key`;
-- reverse: create index "payments_out_trade_no_key" to table: "payments"
DROP INDEX `payments_out_trade_no_key`;
-- reverse: create "payments" table
DROP TABLE `payments`;
