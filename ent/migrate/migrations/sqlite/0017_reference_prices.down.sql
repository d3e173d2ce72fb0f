-- reverse: create index "skupriceday_sku_id_day" to table: "sku_price_days"
DROP INDEX `skupriceday_sku_id_day`;
-- reverse: create "sku_price_days" table
DROP TABLE `sku_price_days`;
-- reverse: create index "batchitem_batch_id_sku_id" to table: "batch_items"
DROP INDEX `batchitem_batch_id_sku_id`;
-- reverse: create "new_batch_items" table
DROP TABLE `new_batch_items`;
