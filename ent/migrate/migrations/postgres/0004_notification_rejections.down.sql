-- reverse: modify "payment_notifications" table
ALTER TABLE "payment_notifications" DROP COLUMN "rejected_reason";
