-- reverse: create index "settlementitem_active_state_due" to table: "settlement_items"
DROP INDEX "settlementitem_active_state_due";
-- reverse: create index "settlementitem_active_state_deadline" to table: "settlement_items"
DROP INDEX "settlementitem_active_state_deadline";
