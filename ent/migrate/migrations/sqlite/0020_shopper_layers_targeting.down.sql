-- reverse: create index "targetedsendtarget_send_id_status_user_id" to table: "targeted_send_targets"
DROP INDEX `targetedsendtarget_send_id_status_user_id`;
-- reverse: create index "targetedsendtarget_send_id_user_id" to table: "targeted_send_targets"
DROP INDEX `targetedsendtarget_send_id_user_id`;
-- reverse: create "targeted_send_targets" table
DROP TABLE `targeted_send_targets`;
-- reverse: create index "targetedsend_day_grid_cell" to table: "targeted_sends"
DROP INDEX `targetedsend_day_grid_cell`;
-- reverse: create index "targetedsend_status_id" to table: "targeted_sends"
DROP INDEX `targetedsend_status_id`;
-- reverse: create "targeted_sends" table
DROP TABLE `targeted_sends`;
-- reverse: create index "subscriptionconsent_user_id_template_id_used_at" to table: "subscription_consents"
DROP INDEX `subscriptionconsent_user_id_template_id_used_at`;
-- reverse: create index "subscriptionconsent_user_id_request_id_template_id" to table: "subscription_consents"
DROP INDEX `subscriptionconsent_user_id_request_id_template_id`;
-- reverse: create "subscription_consents" table
DROP TABLE `subscription_consents`;
-- reverse: create index "shopperlayer_day_grid_cell_layer_user_id" to table: "shopper_layers"
DROP INDEX `shopperlayer_day_grid_cell_layer_user_id`;
-- reverse: create index "shopperlayer_day_user_id" to table: "shopper_layers"
DROP INDEX `shopperlayer_day_user_id`;
-- reverse: create "shopper_layers" table
DROP TABLE `shopper_layers`;
-- reverse: create index "layersnapshot_day" to table: "layer_snapshots"
DROP INDEX `layersnapshot_day`;
-- reverse: create "layer_snapshots" table
DROP TABLE `layer_snapshots`;
