-- reverse: create index "promoactivity_status_ends_at" to table: "promo_activities"
DROP INDEX `promoactivity_status_ends_at`;
-- reverse: create "promo_activities" table
DROP TABLE `promo_activities`;
-- reverse: create index "coupontemplate_channel_status_claim_until" to table: "coupon_templates"
DROP INDEX `coupontemplate_channel_status_claim_until`;
-- reverse: create "coupon_templates" table
DROP TABLE `coupon_templates`;
-- reverse: create index "couponsendtarget_send_id_status_user_id" to table: "coupon_send_targets"
DROP INDEX `couponsendtarget_send_id_status_user_id`;
-- reverse: create index "couponsendtarget_send_id_user_id" to table: "coupon_send_targets"
DROP INDEX `couponsendtarget_send_id_user_id`;
-- reverse: create "coupon_send_targets" table
DROP TABLE `coupon_send_targets`;
-- reverse: create index "couponsend_status_id" to table: "coupon_sends"
DROP INDEX `couponsend_status_id`;
-- reverse: create "coupon_sends" table
DROP TABLE `coupon_sends`;
-- reverse: create index "coupon_state_valid_until" to table: "coupons"
DROP INDEX `coupon_state_valid_until`;
-- reverse: create index "coupon_template_id_state" to table: "coupons"
DROP INDEX `coupon_template_id_state`;
-- reverse: create index "coupon_order_id" to table: "coupons"
DROP INDEX `coupon_order_id`;
-- reverse: create index "coupon_user_id_state_valid_until" to table: "coupons"
DROP INDEX `coupon_user_id_state_valid_until`;
-- reverse: create index "coupon_issue_key" to table: "coupons"
DROP INDEX `coupon_issue_key`;
-- reverse: create index "coupon_template_id_user_id_seq" to table: "coupons"
DROP INDEX `coupon_template_id_user_id_seq`;
-- reverse: create "coupons" table
DROP TABLE `coupons`;
-- reverse: create index "orderline_item_id" to table: "order_lines"
DROP INDEX `orderline_item_id`;
-- reverse: create index "orderline_order_id_item_id" to table: "order_lines"
DROP INDEX `orderline_order_id_item_id`;
-- reverse: create "new_order_lines" table
DROP TABLE `new_order_lines`;
-- reverse: create index "order_paid_at_id" to table: "orders"
DROP INDEX `order_paid_at_id`;
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
-- reverse: create index "order_batch_id_grid_cell_leader_id_status" to table: "orders"
DROP INDEX `order_batch_id_grid_cell_leader_id_status`;
-- reverse: create index "order_batch_id_leader_id_status" to table: "orders"
DROP INDEX `order_batch_id_leader_id_status`;
-- reverse: create index "order_pickup_code" to table: "orders"
DROP INDEX `order_pickup_code`;
-- reverse: create index "order_user_id_id" to table: "orders"
DROP INDEX `order_user_id_id`;
-- reverse: create index "order_user_id_idempotency_key" to table: "orders"
DROP INDEX `order_user_id_idempotency_key`;
-- reverse: create "new_orders" table
DROP TABLE `new_orders`;
