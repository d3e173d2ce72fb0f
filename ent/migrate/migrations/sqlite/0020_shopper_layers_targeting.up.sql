-- create "layer_snapshots" table
CREATE TABLE `layer_snapshots` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `day` text NOT NULL, `rules` text NOT NULL, `shoppers` integer NOT NULL DEFAULT (0), `taken_at` datetime NOT NULL);
-- create index "layersnapshot_day" to table: "layer_snapshots"
CREATE UNIQUE INDEX `layersnapshot_day` ON `layer_snapshots` (`day`);
-- create "shopper_layers" table
CREATE TABLE `shopper_layers` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `day` text NOT NULL, `user_id` integer NOT NULL, `layer` text NOT NULL, `from_share` bool NOT NULL, `leader_id` integer NOT NULL, `grid_cell` text NOT NULL, `first_paid_at` datetime NOT NULL, `last_paid_at` datetime NOT NULL, `orders_month` integer NOT NULL, `orders_quarter` integer NOT NULL, `orders_year` integer NOT NULL, `spend_year` integer NOT NULL, `r` integer NOT NULL, `f` integer NOT NULL, `m` integer NOT NULL);
-- create index "shopperlayer_day_user_id" to table: "shopper_layers"
CREATE UNIQUE INDEX `shopperlayer_day_user_id` ON `shopper_layers` (`day`, `user_id`);
-- create index "shopperlayer_day_grid_cell_layer_user_id" to table: "shopper_layers"
CREATE INDEX `shopperlayer_day_grid_cell_layer_user_id` ON `shopper_layers` (`day`, `grid_cell`, `layer`, `user_id`);
-- create "subscription_consents" table
CREATE TABLE `subscription_consents` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `user_id` integer NOT NULL, `template_id` text NOT NULL, `request_id` text NOT NULL, `accepted_at` datetime NOT NULL, `used_at` datetime NULL, `used_by` integer NULL);
-- create index "subscriptionconsent_user_id_request_id_template_id" to table: "subscription_consents"
CREATE UNIQUE INDEX `subscriptionconsent_user_id_request_id_template_id` ON `subscription_consents` (`user_id`, `request_id`, `template_id`);
-- create index "subscriptionconsent_user_id_template_id_used_at" to table: "subscription_consents"
CREATE INDEX `subscriptionconsent_user_id_template_id_used_at` ON `subscription_consents` (`user_id`, `template_id`, `used_at`);
-- create "targeted_sends" table
CREATE TABLE `targeted_sends` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `day` text NOT NULL, `layer` text NOT NULL, `grid_cell` text NOT NULL, `kind` text NOT NULL, `coupon_send_id` integer NULL, `template_id` text NULL, `page` text NULL, `data` text NULL, `note` text NULL, `status` text NOT NULL DEFAULT ('running'), `total` integer NOT NULL, `created_by` integer NOT NULL, `leased_until` datetime NULL, `finished_at` datetime NULL);
-- create index "targetedsend_status_id" to table: "targeted_sends"
CREATE INDEX `targetedsend_status_id` ON `targeted_sends` (`status`, `id`);
-- create index "targetedsend_day_grid_cell" to table: "targeted_sends"
CREATE INDEX `targetedsend_day_grid_cell` ON `targeted_sends` (`day`, `grid_cell`);
-- create "targeted_send_targets" table
CREATE TABLE `targeted_send_targets` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `send_id` integer NOT NULL, `user_id` integer NOT NULL, `status` text NOT NULL DEFAULT ('pending'), `consent_id` integer NULL, `reason` text NULL);
-- create index "targetedsendtarget_send_id_user_id" to table: "targeted_send_targets"
CREATE UNIQUE INDEX `targetedsendtarget_send_id_user_id` ON `targeted_send_targets` (`send_id`, `user_id`);
-- create index "targetedsendtarget_send_id_status_user_id" to table: "targeted_send_targets"
CREATE INDEX `targetedsendtarget_send_id_status_user_id` ON `targeted_send_targets` (`send_id`, `status`, `user_id`);
