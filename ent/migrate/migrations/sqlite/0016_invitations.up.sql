-- create "invitations" table
CREATE TABLE `invitations` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `inviter_id` integer NOT NULL, `invitee_id` integer NOT NULL, `state` text NOT NULL DEFAULT ('pending'), `order_id` integer NULL, `phone_index` text NULL, `reward_seq` integer NULL, `reason` text NULL, `created_at` datetime NOT NULL, `qualified_at` datetime NULL, `rewarded_at` datetime NULL);
-- create index "invitation_invitee_id" to table: "invitations"
CREATE UNIQUE INDEX `invitation_invitee_id` ON `invitations` (`invitee_id`);
-- create index "invitation_phone_index" to table: "invitations"
CREATE UNIQUE INDEX `invitation_phone_index` ON `invitations` (`phone_index`);
-- create index "invitation_inviter_id_reward_seq" to table: "invitations"
CREATE UNIQUE INDEX `invitation_inviter_id_reward_seq` ON `invitations` (`inviter_id`, `reward_seq`);
-- create index "invitation_inviter_id_id" to table: "invitations"
CREATE INDEX `invitation_inviter_id_id` ON `invitations` (`inviter_id`, `id`);
