-- reverse: add column "rejected_reason" to table: "payment_notifications"
ALTER TABLE `payment_notifications` DROP COLUMN `rejected_reason`;
