-- reverse: create index "sku_product_id_spec" to table: "skus"
DROP INDEX `sku_product_id_spec`;
-- reverse: create "skus" table
DROP TABLE `skus`;
-- reverse: create index "product_category_status" to table: "products"
DROP INDEX `product_category_status`;
-- reverse: create "products" table
DROP TABLE `products`;
