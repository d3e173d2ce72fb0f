-- reverse: create index "invitation_phone_index" to table: "invitations"
DROP INDEX "invitation_phone_index";
-- reverse: create index "invitation_inviter_id_reward_seq" to table: "invitations"
DROP INDEX "invitation_inviter_id_reward_seq";
-- reverse: create index "invitation_inviter_id_id" to table: "invitations"
DROP INDEX "invitation_inviter_id_id";
-- reverse: create index "invitation_invitee_id" to table: "invitations"
DROP INDEX "invitation_invitee_id";
-- reverse: create "invitations" table
DROP TABLE "invitations";
