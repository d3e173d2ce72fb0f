-- add column "rejected_reason" to table: "payment_notifications"
ALTER TABLE `payment_notifications` ADD COLUMN `rejected_reason` text NULL;
