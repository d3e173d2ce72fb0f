-- reverse: create index "ledgertransaction_order_id" to table: "ledger_transactions"
DROP INDEX `ledgertransaction_order_id`;
-- reverse: create index "ledgertransaction_key" to table: "ledger_transactions"
DROP INDEX `ledgertransaction_key`;
-- reverse: create "ledger_transactions" table
DROP TABLE `ledger_transactions`;
-- reverse: create index "ledgerposting_transaction_id" to table: "ledger_postings"
DROP INDEX `ledgerposting_transaction_id`;
-- reverse: create index "ledgerposting_account_id_created_at" to table: "ledger_postings"
DROP INDEX `ledgerposting_account_id_created_at`;
-- reverse: create "ledger_postings" table
DROP TABLE `ledger_postings`;
-- reverse: create index "ledgeraccount_owner_kind_owner_id_purpose" to table: "ledger_accounts"
DROP INDEX `ledgeraccount_owner_kind_owner_id_purpose`;
-- reverse: create "ledger_accounts" table
DROP TABLE `ledger_accounts`;
-- reverse: create index "commissionplan_grid_cell_effective_from" to table: "commission_plans"
DROP INDEX `commissionplan_grid_cell_effective_from`;
-- reverse: create index "commissionplan_grid_cell_version" to table: "commission_plans"
DROP INDEX `commissionplan_grid_cell_version`;
-- reverse: create "commission_plans" table
DROP TABLE `commission_plans`;
-- reverse: create index "commissionentry_order_id" to table: "commission_entries"
DROP INDEX `commissionentry_order_id`;
-- reverse: create index "commissionentry_leader_id_paid_at" to table: "commission_entries"
DROP INDEX `commissionentry_leader_id_paid_at`;
-- reverse: create index "commissionentry_line_id_level" to table: "commission_entries"
DROP INDEX `commissionentry_line_id_level`;
-- reverse: create "commission_entries" table
DROP TABLE `commission_entries`;
