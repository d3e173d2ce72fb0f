-- drop index "coupon_user_id_state_valid_until" from table: "coupons"
DROP INDEX `coupon_user_id_state_valid_until`;
-- drop index "coupon_order_id" from table: "coupons"
DROP INDEX `coupon_order_id`;
-- drop index "coupon_template_id_state" from table: "coupons"
DROP INDEX `coupon_template_id_state`;
-- drop index "coupon_state_valid_until" from table: "coupons"
DROP INDEX `coupon_state_valid_until`;
-- create index "coupon_user_id_valid_until" to table: "coupons"
CREATE INDEX `coupon_user_id_valid_until` ON `coupons` (`user_id`, `valid_until`);
-- create index "coupon_valid_until_id" to table: "coupons"
CREATE INDEX `coupon_valid_until_id` ON `coupons` (`valid_until`, `id`);
