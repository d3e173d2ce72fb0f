-- create "products" table
CREATE TABLE `products` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `title` text NOT NULL, `description` text NULL, `images` json NULL, `category` text NOT NULL, `status` text NOT NULL DEFAULT ('active'));
-- create index "product_category_status" to table: "products"
CREATE INDEX `product_category_status` ON `products` (`category`, `status`);
-- create "skus" table
CREATE TABLE `skus` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `product_id` integer NOT NULL, `spec` text NOT NULL, `unit` text NOT NULL, `list_price` integer NOT NULL, `status` text NOT NULL DEFAULT ('active'));
-- create index "sku_product_id_spec" to table: "skus"
CREATE UNIQUE INDEX `sku_product_id_spec` ON `skus` (`product_id`, `spec`);
