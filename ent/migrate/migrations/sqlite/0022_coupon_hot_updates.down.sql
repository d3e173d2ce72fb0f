-- reverse: create index "coupon_valid_until_id" to table: "coupons"
DROP INDEX `coupon_valid_until_id`;
-- reverse: create index "coupon_user_id_valid_until" to table: "coupons"
DROP INDEX `coupon_user_id_valid_until`;
-- reverse: drop index "coupon_state_valid_until" from table: "coupons"
CREATE INDEX `coupon_state_valid_until` ON `coupons` (`state`, `valid_until`);
-- reverse: drop index "coupon_template_id_state" from table: "coupons"
CREATE INDEX `coupon_template_id_state` ON `coupons` (`template_id`, `state`);
-- reverse: drop index "coupon_order_id" from table: "coupons"
CREATE INDEX `coupon_order_id` ON `coupons` (`order_id`);
-- reverse: drop index "coupon_user_id_state_valid_until" from table: "coupons"
CREATE INDEX `coupon_user_id_state_valid_until` ON `coupons` (`user_id`, `state`, `valid_until`);
