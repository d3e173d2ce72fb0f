-- create "outbox_events" table
CREATE TABLE `outbox_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `topic` text NOT NULL, `key` text NOT NULL, `payload` blob NOT NULL, `created_at` datetime NOT NULL, `available_at` datetime NOT NULL, `attempts` integer NOT NULL DEFAULT (0), `last_error` text NULL, `delivered_at` datetime NULL);
-- create index "outboxevent_available_at_id" to table: "outbox_events"
CREATE INDEX `outboxevent_available_at_id` ON `outbox_events` (`available_at`, `id`) WHERE delivered_at IS NULL;
-- create index "outboxevent_topic_key" to table: "outbox_events"
CREATE INDEX `outboxevent_topic_key` ON `outbox_events` (`topic`, `key`);
