package leader

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// Application is what a shopper sends to become a leader.
type Application struct {
	RealName     string
	Phone        string
	PointName    string
	Address      string
	Location     geo.LatLng
	OpeningHours string
	InviteCode   string
}

// Validate checks the fields that do not need the database.
func (a *Application) Validate() error {
	if err := checkText("real_name", a.RealName, 2, 32); err != nil {
		return err
	}
	if err := identity.CheckPhone(a.Phone); err != nil {
		return err
	}
	return checkPoint(a.PointName, a.Address, a.Location, a.OpeningHours)
}

func checkPoint(name, address string, loc geo.LatLng, hours string) error {
	if err := checkText("point_name", name, 2, 64); err != nil {
		return err
	}
	if err := checkText("address", address, 4, 256); err != nil {
		return err
	}
	if err := loc.Validate(); err != nil {
		return bizerr.Invalid("location", err.Error())
	}
	return CheckOpeningHours(hours)
}

func checkText(field, s string, minRunes, maxRunes int) error {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	if !utf8.ValidString(s) || n < minRunes || n > maxRunes {
		return bizerr.Invalid(field, fmt.Sprintf("must be %d to %d characters", minRunes, maxRunes))
	}
	return nil
}

// Apply files (or, after a rejection, refiles) the caller's application. The pickup point must
// lie in a served grid; an invite code names the recruiting leader.
func (uc *Usecase) Apply(ctx context.Context, p identity.Principal, a Application) (*Leader, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	point, err := uc.locate(ctx, a.PointName, a.Address, a.Location, a.OpeningHours)
	if err != nil {
		return nil, err
	}
	var out *Leader
	err = uc.tx.InTx(ctx, func(ctx context.Context) error {
		recruiter, err := uc.recruiter(ctx, p.ID, a.InviteCode)
		if err != nil {
			return err
		}
		l := &Leader{UserID: p.ID, Status: StatusPending, RealName: a.RealName, Phone: a.Phone, Point: *point}
		if recruiter != nil {
			l.RecruiterID = &recruiter.ID
		}
		if out, err = uc.file(ctx, l); err != nil {
			return err
		}
		return uc.record(ctx, out.ID, ActionApplied, actorOf(p), "")
	})
	return out, err
}

// file creates the leader, or refiles a rejected one in place (keeping its id and invite code).
func (uc *Usecase) file(ctx context.Context, l *Leader) (*Leader, error) {
	prev, err := uc.repo.GetByUser(ctx, l.UserID)
	switch {
	case errors.Is(err, bizerr.ErrNotFound):
		if l.InviteCode, err = newInviteCode(); err != nil {
			return nil, err
		}
		return uc.repo.Create(ctx, l)
	case err != nil:
		return nil, err
	case prev.Status != StatusRejected:
		return nil, fmt.Errorf("user %d is already a %s leader: %w", l.UserID, prev.Status, bizerr.ErrConflict)
	}
	l.ID, l.InviteCode = prev.ID, prev.InviteCode
	return uc.repo.Save(ctx, l, StatusRejected)
}

// recruiter resolves an invite code to an approved leader other than the applicant.
func (uc *Usecase) recruiter(ctx context.Context, applicant int64, code string) (*Leader, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" {
		return nil, nil
	}
	r, err := uc.repo.GetByInviteCode(ctx, code)
	if errors.Is(err, bizerr.ErrNotFound) || (err == nil && r.Status != StatusApproved) {
		return nil, ErrInviteNotFound
	}
	if err != nil {
		return nil, err
	}
	if r.UserID == applicant {
		return nil, ErrInviteCycle
	}
	return r, nil
}

// locate derives the pickup point's cells and checks its grid is served.
func (uc *Usecase) locate(ctx context.Context, name, address string, loc geo.LatLng, hours string) (*PickupPoint, error) {
	if err := checkPoint(name, address, loc, hours); err != nil {
		return nil, err
	}
	pickup, err := geo.CellAt(loc, uc.cfg.PickupRes)
	if err != nil {
		return nil, bizerr.Invalid("location", err.Error())
	}
	grid, err := geo.CellAt(loc, uc.cfg.GridRes)
	if err != nil {
		return nil, bizerr.Invalid("location", err.Error())
	}
	g, err := uc.grids.Get(ctx, grid)
	if errors.Is(err, bizerr.ErrNotFound) || (err == nil && !g.Serving) {
		return nil, fmt.Errorf("grid %s: %w", grid, ErrNotServedArea)
	}
	if err != nil {
		return nil, err
	}
	return &PickupPoint{Name: strings.TrimSpace(name), Address: strings.TrimSpace(address), Location: loc,
		OpeningHours: hours, PickupCell: pickup, GridCell: grid}, nil
}

// inviteAlphabet is Crockford's base32: no I, L, O or U to misread when typed from a poster.
const inviteAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newInviteCode returns 8 random symbols: 40 bits, too many to guess through a rate-limited API.
func newInviteCode() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("invite code: %w", err)
	}
	for i := range b {
		b[i] = inviteAlphabet[b[i]&31]
	}
	return string(b), nil
}
