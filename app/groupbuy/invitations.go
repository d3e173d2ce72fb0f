package main

import (
	"encoding/base64"
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/invite"
	"github.com/groupbuy/groupbuy/internal/conf"
)

// maxInvitationCap bounds the invitees one inviter is rewarded for: beyond a few dozen an
// "invitation" is a recruiting business, which distribution rules keep to leaders.
const maxInvitationCap = 1000

// invitationConfig turns the invitations section into the programme: off with a cap of 0.
func invitationConfig(c *conf.Invitations) (invite.Config, error) {
	cfg := invite.Config{Cap: int(c.GetCap()), InviterTemplate: c.GetInviterTemplateId(),
		InviteeTemplate: c.GetInviteeTemplateId()}
	switch {
	case cfg.Cap < 0 || cfg.Cap > maxInvitationCap:
		return cfg, fmt.Errorf("invitations.cap %d: must be 0 (off) to %d", cfg.Cap, maxInvitationCap)
	case cfg.InviterTemplate < 0 || cfg.InviteeTemplate < 0:
		return cfg, fmt.Errorf("invitations: template ids must be positive, or 0 for none")
	}
	return cfg, nil
}

// invitationCodes signs invitation codes with the configured key; nil while the programme is off
// (the use case answers ErrOff before it needs one).
func invitationCodes(c *conf.Invitations) (*invite.InviteCodes, error) {
	if c.GetCap() == 0 {
		return nil, nil
	}
	key, err := base64.StdEncoding.DecodeString(c.GetKey())
	if err != nil {
		return nil, fmt.Errorf("invitations.key: not base64: %w", err)
	}
	codes, err := invite.NewInviteCodes(key)
	if err != nil {
		return nil, fmt.Errorf("invitations.key: %w", err)
	}
	return codes, nil
}
