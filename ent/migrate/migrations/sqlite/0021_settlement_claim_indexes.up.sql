-- create index "settlementitem_pending_deadline" to table: "settlement_items"
CREATE INDEX `settlementitem_pending_deadline` ON `settlement_items` (`deadline`, `id`) WHERE active AND state = 'pending';
-- create index "settlementitem_processing_due" to table: "settlement_items"
CREATE INDEX `settlementitem_processing_due` ON `settlement_items` (`next_attempt_at`, `id`) WHERE active AND state = 'processing';
