// Package invite is invitations (邀请有礼): a shopper invites a new one with a signed code, and
// both get the configured coupons once the invitee's first order has stood.
package invite

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/lifecycle"
)

// Invitations follow WeChat's rules against induced sharing: a reward is never for the
// act of sharing or for signing up, only for a purchase that stood — the invitee's first order
// picked up and past its after-sales window. An invitation lives as
//
//	pending ─invitee's first paid order─▶ qualifying ─that order completed─▶ rewarded
//	qualifying ─that order refunded in full or cancelled─▶ pending (the next paid order qualifies)
//	qualifying ─inviter at its cap─▶ capped
//	pending, qualifying ─same person, phone or payer as the inviter or an earlier invitee─▶ refused
//
// It is separate from leader binding: being invited binds the invitee to no leader.

// InvitationState is where an invitation is.
type InvitationState string

const (
	InvitationPending    InvitationState = "pending"
	InvitationQualifying InvitationState = "qualifying"
	InvitationRewarded   InvitationState = "rewarded"
	InvitationCapped     InvitationState = "capped"
	InvitationRefused    InvitationState = "refused"
)

// InvitationLifecycle is the only way an invitation's state moves.
var InvitationLifecycle = lifecycle.New("invitation",
	[]InvitationState{InvitationPending, InvitationQualifying, InvitationRewarded, InvitationCapped, InvitationRefused},
	map[InvitationState][]InvitationState{
		InvitationPending:    {InvitationQualifying, InvitationRefused},
		InvitationQualifying: {InvitationRewarded, InvitationPending, InvitationCapped, InvitationRefused},
	})

// Invitation is one shopper (the invitee) brought by another (the inviter).
type Invitation struct {
	ID        int64
	InviterID int64
	InviteeID int64
	State     InvitationState
	// OrderID is the invitee's order that qualifies, while qualifying and once rewarded.
	OrderID int64
	// PhoneIndex is a keyed hash of the invitee's phone (empty while it bound none), unique
	// among invitations: one phone is never invited twice. The payer needs no column of its
	// own: a mini-program payment's payer is the shopper's openid in this app, one account.
	PhoneIndex string
	// RewardSeq numbers the inviter's rewarded invitations, 1 to the cap: unique with the
	// inviter, so the database itself refuses a reward beyond the cap.
	RewardSeq   int
	Reason      string // why refused or capped
	CreatedAt   time.Time
	QualifiedAt time.Time
	RewardedAt  time.Time
}

// Person is who a shopper is, as far as invitations tell people apart.
type Person struct {
	UserID     int64
	OpenID     string
	UnionID    string
	PhoneIndex string // "" when no phone is bound
}

// Same reports whether a and b are one person: the same account, WeChat user (openid or
// unionid) or phone.
func (a Person) Same(b Person) bool {
	return a.UserID == b.UserID || a.OpenID == b.OpenID ||
		a.UnionID != "" && a.UnionID == b.UnionID ||
		a.PhoneIndex != "" && a.PhoneIndex == b.PhoneIndex
}

// Errors of invitations.
var (
	ErrInviteCode    = errors.New("invitation code is invalid")
	ErrSelfInvite    = errors.New("a shopper cannot invite itself")
	ErrNotNewShopper = errors.New("only a shopper who has never paid for an order can be invited")
)

// InviteCodes signs and opens invitation codes: the inviter's id and a MAC, so a code cannot be
// forged to name another shopper and ids are not enumerable from codes.
type InviteCodes struct{ key []byte }

// ErrInviteKey means the configured key is too short to sign with.
var ErrInviteKey = errors.New("invitation key must be at least 32 bytes")

// NewInviteCodes signs with key (at least 32 bytes).
func NewInviteCodes(key []byte) (*InviteCodes, error) {
	if len(key) < 32 {
		return nil, ErrInviteKey
	}
	return &InviteCodes{key: key}, nil
}

const inviteMACLen = 10

func (c *InviteCodes) mac(id []byte) []byte {
	h := hmac.New(sha256.New, c.key)
	h.Write([]byte("invite-code\x00"))
	h.Write(id)
	return h.Sum(nil)[:inviteMACLen]
}

// Code is the invitation code of a shopper.
func (c *InviteCodes) Code(userID int64) string {
	id := binary.BigEndian.AppendUint64(nil, uint64(userID))
	return base64.RawURLEncoding.EncodeToString(append(id, c.mac(id)...))
}

// Open returns the shopper a code names, ErrInviteCode when it is not one of ours.
func (c *InviteCodes) Open(code string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(code)
	if err != nil || len(raw) != 8+inviteMACLen {
		return 0, ErrInviteCode
	}
	id := raw[:8]
	if !hmac.Equal(raw[8:], c.mac(id)) {
		return 0, ErrInviteCode
	}
	userID := int64(binary.BigEndian.Uint64(id))
	if userID <= 0 {
		return 0, ErrInviteCode
	}
	return userID, nil
}

// PhoneIndex is the keyed hash of a phone number that invitations compare people by: equal
// phones give equal indexes, and the index alone does not give the phone back.
func (c *InviteCodes) PhoneIndex(phone string) string {
	if phone == "" {
		return ""
	}
	h := hmac.New(sha256.New, c.key)
	h.Write([]byte("phone-index\x00"))
	h.Write([]byte(phone))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}
