-- reverse: create index "shopperevent_user_id_client_event_id" to table: "shopper_events"
DROP INDEX "shopperevent_user_id_client_event_id";
-- reverse: create index "shopperevent_share_key_kind" to table: "shopper_events"
DROP INDEX "shopperevent_share_key_kind";
-- reverse: create index "shopperevent_day_kind" to table: "shopper_events"
DROP INDEX "shopperevent_day_kind";
-- reverse: create "shopper_events" table
DROP TABLE "shopper_events";
-- reverse: modify "orders" table
ALTER TABLE "orders" DROP COLUMN "share_key";
-- reverse: modify "coupon_templates" table
ALTER TABLE "coupon_templates" DROP COLUMN "issued_amount", DROP COLUMN "issued_count";
