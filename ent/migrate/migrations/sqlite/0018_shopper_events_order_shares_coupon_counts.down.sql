-- reverse: create index "shopperevent_share_key_kind" to table: "shopper_events"
DROP INDEX `shopperevent_share_key_kind`;
-- reverse: create index "shopperevent_day_kind" to table: "shopper_events"
DROP INDEX `shopperevent_day_kind`;
-- reverse: create index "shopperevent_user_id_client_event_id" to table: "shopper_events"
DROP INDEX `shopperevent_user_id_client_event_id`;
-- reverse: create "shopper_events" table
DROP TABLE `shopper_events`;
-- reverse: create index "coupontemplate_channel_status_claim_until" to table: "coupon_templates"
DROP INDEX `coupontemplate_channel_status_claim_until`;
-- reverse: create "new_coupon_templates" table
DROP TABLE `new_coupon_templates`;
-- reverse: add column "share_key" to table: "orders"
ALTER TABLE `orders` DROP COLUMN `share_key`;
