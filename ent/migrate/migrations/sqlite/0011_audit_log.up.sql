-- create "audit_entries" table
CREATE TABLE `audit_entries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `at` datetime NOT NULL, `subject_kind` text NOT NULL, `subject_id` integer NOT NULL DEFAULT (0), `username` text NOT NULL DEFAULT (''), `role` text NOT NULL DEFAULT (''), `operation` text NOT NULL, `target` text NOT NULL DEFAULT (''), `outcome` text NOT NULL, `status` integer NOT NULL, `channel` text NOT NULL, `request_id` text NOT NULL DEFAULT (''), `client_ip` text NOT NULL DEFAULT (''));
-- create index "auditentry_username_id" to table: "audit_entries"
CREATE INDEX `auditentry_username_id` ON `audit_entries` (`username`, `id`);
-- create index "auditentry_operation_id" to table: "audit_entries"
CREATE INDEX `auditentry_operation_id` ON `audit_entries` (`operation`, `id`);
-- create index "auditentry_outcome_id" to table: "audit_entries"
CREATE INDEX `auditentry_outcome_id` ON `audit_entries` (`outcome`, `id`);
-- create index "auditentry_at" to table: "audit_entries"
CREATE INDEX `auditentry_at` ON `audit_entries` (`at`);
