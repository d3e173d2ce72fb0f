-- create index "settlementitem_run_id_id" to table: "settlement_items"
CREATE INDEX "settlementitem_run_id_id" ON "settlement_items" ("run_id", "id");
-- create index "shippingdeclaration_state_id" to table: "shipping_declarations"
CREATE INDEX "shippingdeclaration_state_id" ON "shipping_declarations" ("state", "id");
