-- reverse: create index "settlementitem_run_id_id" to table: "settlement_items"
DROP INDEX `settlementitem_run_id_id`;
-- reverse: create index "shippingdeclaration_state_id" to table: "shipping_declarations"
DROP INDEX `shippingdeclaration_state_id`;
