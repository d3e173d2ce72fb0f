-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_batch_items" table
CREATE TABLE `new_batch_items` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `batch_id` integer NOT NULL, `sku_id` integer NOT NULL, `product_id` integer NOT NULL, `title` text NOT NULL, `spec` text NOT NULL, `unit` text NOT NULL, `image` text NULL, `list_price` integer NOT NULL, `reference_basis` text NOT NULL DEFAULT (''), `list_price_shown` bool NOT NULL DEFAULT (false), `price` integer NOT NULL, `quota` integer NOT NULL, `per_shopper_limit` integer NOT NULL, `commission_bp` integer NOT NULL, `taken` integer NOT NULL DEFAULT (0));
-- copy rows from old table "batch_items" to new temporary table "new_batch_items"
INSERT INTO `new_batch_items` (`id`, `batch_id`, `sku_id`, `product_id`, `title`, `spec`, `unit`, `image`, `list_price`, `price`, `quota`, `per_shopper_limit`, `commission_bp`, `taken`) SELECT `id`, `batch_id`, `sku_id`, `product_id`, `title`, `spec`, `unit`, `image`, `list_price`, `price`, `quota`, `per_shopper_limit`, `commission_bp`, `taken` FROM `batch_items`;
-- drop "batch_items" table after copying rows
DROP TABLE `batch_items`;
-- rename temporary table "new_batch_items" to "batch_items"
ALTER TABLE `new_batch_items` RENAME TO `batch_items`;
-- create index "batchitem_batch_id_sku_id" to table: "batch_items"
CREATE UNIQUE INDEX `batchitem_batch_id_sku_id` ON `batch_items` (`batch_id`, `sku_id`);
-- create "sku_price_days" table
CREATE TABLE `sku_price_days` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `sku_id` integer NOT NULL, `day` text NOT NULL, `lowest_fen` integer NOT NULL, `updated_at` datetime NOT NULL);
-- create index "skupriceday_sku_id_day" to table: "sku_price_days"
CREATE UNIQUE INDEX `skupriceday_sku_id_day` ON `sku_price_days` (`sku_id`, `day`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
