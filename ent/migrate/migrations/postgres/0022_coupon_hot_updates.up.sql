-- drop index "coupon_order_id" from table: "coupons"
DROP INDEX "coupon_order_id";
-- drop index "coupon_state_valid_until" from table: "coupons"
DROP INDEX "coupon_state_valid_until";
-- drop index "coupon_template_id_state" from table: "coupons"
DROP INDEX "coupon_template_id_state";
-- drop index "coupon_user_id_state_valid_until" from table: "coupons"
DROP INDEX "coupon_user_id_state_valid_until";
-- create index "coupon_user_id_valid_until" to table: "coupons"
CREATE INDEX "coupon_user_id_valid_until" ON "coupons" ("user_id", "valid_until");
-- create index "coupon_valid_until_id" to table: "coupons"
CREATE INDEX "coupon_valid_until_id" ON "coupons" ("valid_until", "id");
-- Written by hand (ent's schema has no storage parameters): room on each page for a coupon's
-- next version, so that its lock, use and release, which change no indexed column, stay
-- heap-only updates instead of moving the row to another page and indexing it again.
ALTER TABLE "coupons" SET (fillfactor = 80);
