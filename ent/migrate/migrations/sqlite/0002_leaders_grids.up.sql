-- create "grids" table
CREATE TABLE `grids` (`cell` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `serving` bool NOT NULL DEFAULT (false), `route_label` text NULL, `station_label` text NULL, PRIMARY KEY (`cell`));
-- create index "grid_serving" to table: "grids"
CREATE INDEX `grid_serving` ON `grids` (`serving`);
-- create "leaders" table
CREATE TABLE `leaders` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `user_id` integer NOT NULL, `status` text NOT NULL DEFAULT ('pending'), `paused` bool NOT NULL DEFAULT (false), `status_reason` text NULL, `real_name_sealed` text NOT NULL, `phone_sealed` text NOT NULL, `pii_key_id` text NOT NULL, `point_name` text NOT NULL, `address` text NOT NULL, `lat` real NOT NULL, `lng` real NOT NULL, `pickup_cell` text NOT NULL, `grid_cell` text NOT NULL, `opening_hours` text NOT NULL, `invite_code` text NOT NULL, `recruiter_id` integer NULL, `upline` json NULL, `move_point_name` text NULL, `move_address` text NULL, `move_lat` real NULL, `move_lng` real NULL, `move_pickup_cell` text NULL, `move_grid_cell` text NULL, `approved_at` datetime NULL);
-- create index "leader_user_id" to table: "leaders"
CREATE UNIQUE INDEX `leader_user_id` ON `leaders` (`user_id`);
-- create index "leader_invite_code" to table: "leaders"
CREATE UNIQUE INDEX `leader_invite_code` ON `leaders` (`invite_code`);
-- create index "leader_grid_cell_status" to table: "leaders"
CREATE INDEX `leader_grid_cell_status` ON `leaders` (`grid_cell`, `status`);
-- create index "leader_pickup_cell" to table: "leaders"
CREATE INDEX `leader_pickup_cell` ON `leaders` (`pickup_cell`);
-- create index "leader_status" to table: "leaders"
CREATE INDEX `leader_status` ON `leaders` (`status`);
-- create index "leader_updated_at" to table: "leaders"
CREATE INDEX `leader_updated_at` ON `leaders` (`updated_at`);
-- create "leader_bindings" table
CREATE TABLE `leader_bindings` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `user_id` integer NOT NULL, `leader_id` integer NOT NULL, `bound_at` datetime NOT NULL, `unbound_at` datetime NULL);
-- create index "leaderbinding_user_id" to table: "leader_bindings"
CREATE UNIQUE INDEX `leaderbinding_user_id` ON `leader_bindings` (`user_id`) WHERE unbound_at IS NULL;
-- create index "leaderbinding_user_id_bound_at" to table: "leader_bindings"
CREATE INDEX `leaderbinding_user_id_bound_at` ON `leader_bindings` (`user_id`, `bound_at`);
-- create index "leaderbinding_leader_id" to table: "leader_bindings"
CREATE INDEX `leaderbinding_leader_id` ON `leader_bindings` (`leader_id`);
-- create "leader_events" table
CREATE TABLE `leader_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `leader_id` integer NOT NULL, `action` text NOT NULL, `actor_kind` text NOT NULL, `actor_id` integer NOT NULL, `reason` text NULL, `at` datetime NOT NULL);
-- create index "leaderevent_leader_id_at" to table: "leader_events"
CREATE INDEX `leaderevent_leader_id_at` ON `leader_events` (`leader_id`, `at`);
-- create "receiver_registrations" table
CREATE TABLE `receiver_registrations` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `leader_id` integer NOT NULL, `op` text NOT NULL, `receiver_type` text NOT NULL, `account` text NOT NULL, `relation_type` text NOT NULL, `state` text NOT NULL DEFAULT ('pending'), `attempts` integer NOT NULL DEFAULT (0), `last_error` text NULL, `next_attempt_at` datetime NOT NULL);
-- create index "receiverregistration_state_next_attempt_at" to table: "receiver_registrations"
CREATE INDEX `receiverregistration_state_next_attempt_at` ON `receiver_registrations` (`state`, `next_attempt_at`);
-- create index "receiverregistration_leader_id" to table: "receiver_registrations"
CREATE INDEX `receiverregistration_leader_id` ON `receiver_registrations` (`leader_id`);
