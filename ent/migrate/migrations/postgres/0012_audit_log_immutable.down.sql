DROP TRIGGER IF EXISTS audit_entries_no_truncate ON "audit_entries";
DROP TRIGGER IF EXISTS audit_entries_no_update_delete ON "audit_entries";
DROP FUNCTION IF EXISTS audit_entries_refuse_change();
