-- modify "payment_notifications" table
ALTER TABLE "payment_notifications" ADD COLUMN "rejected_reason" character varying NULL;
