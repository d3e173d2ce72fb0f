-- reverse: create index "promoactivity_status_ends_at" to table: "promo_activities"
DROP INDEX "promoactivity_status_ends_at";
-- reverse: create "promo_activities" table
DROP TABLE "promo_activities";
-- reverse: create index "coupontemplate_channel_status_claim_until" to table: "coupon_templates"
DROP INDEX "coupontemplate_channel_status_claim_until";
-- reverse: create "coupon_templates" table
DROP TABLE "coupon_templates";
-- reverse: create index "couponsendtarget_send_id_user_id" to table: "coupon_send_targets"
DROP INDEX "couponsendtarget_send_id_user_id";
-- reverse: create index "couponsendtarget_send_id_status_user_id" to table: "coupon_send_targets"
DROP INDEX "couponsendtarget_send_id_status_user_id";
-- reverse: create "coupon_send_targets" table
DROP TABLE "coupon_send_targets";
-- reverse: create index "couponsend_status_id" to table: "coupon_sends"
DROP INDEX "couponsend_status_id";
-- reverse: create "coupon_sends" table
DROP TABLE "coupon_sends";
-- reverse: create index "coupon_user_id_state_valid_until" to table: "coupons"
DROP INDEX "coupon_user_id_state_valid_until";
-- reverse: create index "coupon_template_id_user_id_seq" to table: "coupons"
DROP INDEX "coupon_template_id_user_id_seq";
-- reverse: create index "coupon_template_id_state" to table: "coupons"
DROP INDEX "coupon_template_id_state";
-- reverse: create index "coupon_state_valid_until" to table: "coupons"
DROP INDEX "coupon_state_valid_until";
-- reverse: create index "coupon_order_id" to table: "coupons"
DROP INDEX "coupon_order_id";
-- reverse: create index "coupon_issue_key" to table: "coupons"
DROP INDEX "coupon_issue_key";
-- reverse: create "coupons" table
DROP TABLE "coupons";
-- reverse: modify "orders" table
ALTER TABLE "orders" DROP COLUMN "leader_funded", DROP COLUMN "coupon_id", DROP COLUMN "activity_id", DROP COLUMN "coupon_off", DROP COLUMN "promo_off";
-- reverse: modify "order_lines" table
ALTER TABLE "order_lines" DROP COLUMN "gift", DROP COLUMN "leader_funded", DROP COLUMN "coupon_off", DROP COLUMN "promo_off";
