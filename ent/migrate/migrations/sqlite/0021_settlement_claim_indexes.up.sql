-- create index "settlementitem_active_state_deadline" to table: "settlement_items"
CREATE INDEX `settlementitem_active_state_deadline` ON `settlement_items` (`state`, `deadline`, `id`) WHERE active;
-- create index "settlementitem_active_state_due" to table: "settlement_items"
CREATE INDEX `settlementitem_active_state_due` ON `settlement_items` (`state`, `next_attempt_at`, `id`) WHERE active;
