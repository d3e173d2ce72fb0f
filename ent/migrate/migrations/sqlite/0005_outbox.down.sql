-- reverse: create index "outboxevent_topic_key" to table: "outbox_events"
DROP INDEX `outboxevent_topic_key`;
-- reverse: create index "outboxevent_available_at_id" to table: "outbox_events"
DROP INDEX `outboxevent_available_at_id`;
-- reverse: create "outbox_events" table
DROP TABLE `outbox_events`;
