-- reverse: create index "auditentry_username_id" to table: "audit_entries"
DROP INDEX "auditentry_username_id";
-- reverse: create index "auditentry_outcome_id" to table: "audit_entries"
DROP INDEX "auditentry_outcome_id";
-- reverse: create index "auditentry_operation_id" to table: "audit_entries"
DROP INDEX "auditentry_operation_id";
-- reverse: create index "auditentry_at" to table: "audit_entries"
DROP INDEX "auditentry_at";
-- reverse: create "audit_entries" table
DROP TABLE "audit_entries";
