-- reverse: create index "receiverregistration_leader_id" to table: "receiver_registrations"
DROP INDEX `receiverregistration_leader_id`;
-- reverse: create index "receiverregistration_state_next_attempt_at" to table: "receiver_registrations"
DROP INDEX `receiverregistration_state_next_attempt_at`;
-- reverse: create "receiver_registrations" table
DROP TABLE `receiver_registrations`;
-- reverse: create index "leaderevent_leader_id_at" to table: "leader_events"
DROP INDEX `leaderevent_leader_id_at`;
-- reverse: create "leader_events" table
DROP TABLE `leader_events`;
-- reverse: create index "leaderbinding_leader_id" to table: "leader_bindings"
DROP INDEX `leaderbinding_leader_id`;
-- reverse: create index "leaderbinding_user_id_bound_at" to table: "leader_bindings"
DROP INDEX `leaderbinding_user_id_bound_at`;
-- reverse: create index "leaderbinding_user_id" to table: "leader_bindings"
DROP INDEX `leaderbinding_user_id`;
-- reverse: create "leader_bindings" table
DROP TABLE `leader_bindings`;
-- reverse: create index "leader_updated_at" to table: "leaders"
DROP INDEX `leader_updated_at`;
-- reverse: create index "leader_status" to table: "leaders"
DROP INDEX `leader_status`;
-- reverse: create index "leader_pickup_cell" to table: "leaders"
DROP INDEX `leader_pickup_cell`;
-- reverse: create index "leader_grid_cell_status" to table: "leaders"
DROP INDEX `leader_grid_cell_status`;
-- reverse: create index "leader_invite_code" to table: "leaders"
DROP INDEX `leader_invite_code`;
-- reverse: create index "leader_user_id" to table: "leaders"
DROP INDEX `leader_user_id`;
-- reverse: create "leaders" table
DROP TABLE `leaders`;
-- reverse: create index "grid_serving" to table: "grids"
DROP INDEX `grid_serving`;
-- reverse: create "grids" table
DROP TABLE `grids`;
