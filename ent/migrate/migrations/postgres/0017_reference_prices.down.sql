-- reverse: create index "skupriceday_sku_id_day" to table: "sku_price_days"
DROP INDEX "skupriceday_sku_id_day";
-- reverse: create "sku_price_days" table
DROP TABLE "sku_price_days";
-- reverse: modify "batch_items" table
ALTER TABLE "batch_items" DROP COLUMN "list_price_shown", DROP COLUMN "reference_basis";
