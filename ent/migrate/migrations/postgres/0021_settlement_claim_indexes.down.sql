-- reverse: create index "settlementitem_processing_due" to table: "settlement_items"
DROP INDEX "settlementitem_processing_due";
-- reverse: create index "settlementitem_pending_deadline" to table: "settlement_items"
DROP INDEX "settlementitem_pending_deadline";
