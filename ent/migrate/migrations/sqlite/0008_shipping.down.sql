-- reverse: create index "shippingdeclaration_state_created_at" to table: "shipping_declarations"
DROP INDEX `shippingdeclaration_state_created_at`;
-- reverse: create index "shippingdeclaration_state_next_attempt_at" to table: "shipping_declarations"
DROP INDEX `shippingdeclaration_state_next_attempt_at`;
-- reverse: create index "shippingdeclaration_order_id_kind" to table: "shipping_declarations"
DROP INDEX `shippingdeclaration_order_id_kind`;
-- reverse: create "shipping_declarations" table
DROP TABLE `shipping_declarations`;
