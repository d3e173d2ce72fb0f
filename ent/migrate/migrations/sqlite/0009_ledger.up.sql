-- create "commission_entries" table
CREATE TABLE `commission_entries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `order_id` integer NOT NULL, `line_id` integer NOT NULL, `leader_id` integer NOT NULL, `level` integer NOT NULL, `base` integer NOT NULL, `rate_bp` integer NOT NULL, `amount` integer NOT NULL, `reversed` integer NOT NULL DEFAULT (0), `plan_id` integer NOT NULL DEFAULT (0), `grid_cell` text NOT NULL, `state` text NOT NULL DEFAULT ('pending'), `paid_at` datetime NOT NULL, `settleable_at` datetime NULL);
-- create index "commissionentry_line_id_level" to table: "commission_entries"
CREATE UNIQUE INDEX `commissionentry_line_id_level` ON `commission_entries` (`line_id`, `level`);
-- create index "commissionentry_leader_id_paid_at" to table: "commission_entries"
CREATE INDEX `commissionentry_leader_id_paid_at` ON `commission_entries` (`leader_id`, `paid_at`);
-- create index "commissionentry_order_id" to table: "commission_entries"
CREATE INDEX `commissionentry_order_id` ON `commission_entries` (`order_id`);
-- create "commission_plans" table
CREATE TABLE `commission_plans` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `grid_cell` text NOT NULL DEFAULT (''), `version` integer NOT NULL, `rates` json NOT NULL, `effective_from` datetime NOT NULL, `created_by` integer NOT NULL, `created_at` datetime NOT NULL);
-- create index "commissionplan_grid_cell_version" to table: "commission_plans"
CREATE UNIQUE INDEX `commissionplan_grid_cell_version` ON `commission_plans` (`grid_cell`, `version`);
-- create index "commissionplan_grid_cell_effective_from" to table: "commission_plans"
CREATE INDEX `commissionplan_grid_cell_effective_from` ON `commission_plans` (`grid_cell`, `effective_from`);
-- create "ledger_accounts" table
CREATE TABLE `ledger_accounts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `owner_kind` text NOT NULL, `owner_id` integer NOT NULL, `purpose` text NOT NULL, `balance` integer NOT NULL DEFAULT (0), `created_at` datetime NOT NULL);
-- create index "ledgeraccount_owner_kind_owner_id_purpose" to table: "ledger_accounts"
CREATE UNIQUE INDEX `ledgeraccount_owner_kind_owner_id_purpose` ON `ledger_accounts` (`owner_kind`, `owner_id`, `purpose`);
-- create "ledger_postings" table
CREATE TABLE `ledger_postings` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `transaction_id` integer NOT NULL, `account_id` integer NOT NULL, `amount` integer NOT NULL, `created_at` datetime NOT NULL);
-- create index "ledgerposting_account_id_created_at" to table: "ledger_postings"
CREATE INDEX `ledgerposting_account_id_created_at` ON `ledger_postings` (`account_id`, `created_at`);
-- create index "ledgerposting_transaction_id" to table: "ledger_postings"
CREATE INDEX `ledgerposting_transaction_id` ON `ledger_postings` (`transaction_id`);
-- create "ledger_transactions" table
CREATE TABLE `ledger_transactions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `key` text NOT NULL, `kind` text NOT NULL, `order_id` integer NOT NULL DEFAULT (0), `grid_cell` text NOT NULL DEFAULT (''), `created_at` datetime NOT NULL);
-- create index "ledgertransaction_key" to table: "ledger_transactions"
CREATE UNIQUE INDEX `ledgertransaction_key` ON `ledger_transactions` (`key`);
-- create index "ledgertransaction_order_id" to table: "ledger_transactions"
CREATE INDEX `ledgertransaction_order_id` ON `ledger_transactions` (`order_id`);
