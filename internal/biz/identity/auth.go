package identity

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/event"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// AuthUsecase signs mini-program users in and keeps their sessions.
type AuthUsecase struct {
	wechat   Wechat
	users    UserRepo
	consoles ConsoleRepo
	tx       port.Transactor
	events   event.Publisher
	sessions *sessions
}

// NewAuthUsecase wires the use case.
func NewAuthUsecase(wechat Wechat, users UserRepo, consoles ConsoleRepo, sessionRepo SessionRepo,
	issuer TokenIssuer, marks AccessMarks, tx port.Transactor, events event.Publisher, cfg Config, now port.Clock) *AuthUsecase {
	return &AuthUsecase{
		wechat: wechat, users: users, consoles: consoles, tx: tx, events: events,
		sessions: &sessions{repo: sessionRepo, issuer: issuer, marks: marks, cfg: cfg, now: now},
	}
}

// WechatLogin redeems a wx.login code. A user seen for the first time becomes a shopper.
func (uc *AuthUsecase) WechatLogin(ctx context.Context, code string) (*Tokens, error) {
	ws, err := uc.wechat.Code2Session(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("code2session: %w", err)
	}
	var tokens *Tokens
	err = uc.tx.InTx(ctx, func(ctx context.Context) error {
		u, err := uc.users.UpsertByOpenID(ctx, ws.OpenID, ws.UnionID, []Role{RoleShopper}, uc.sessions.now())
		if err != nil {
			return fmt.Errorf("upsert user: %w", err)
		}
		if u.FirstSeen {
			// With the user's row: a new shopper is announced exactly once, or not created.
			err := event.PublishJSON(ctx, uc.events, TopicShopperJoined, "user/"+strconv.FormatInt(u.ID, 10),
				Joined{UserID: u.ID, At: uc.sessions.now()})
			if err != nil {
				return err
			}
		}
		tokens, err = uc.sessions.start(ctx, Principal{Kind: SubjectUser, ID: u.ID, Roles: u.Roles})
		return err
	})
	return tokens, err
}

// Refresh rotates a refresh token into a new pair. Roles are read afresh, so a shopper approved
// as leader gets the leader role on its next refresh.
func (uc *AuthUsecase) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	var tokens *Tokens
	var reused error
	err := uc.tx.InTx(ctx, func(ctx context.Context) error {
		sess, err := uc.sessions.claim(ctx, refreshToken)
		if errors.Is(err, ErrRefreshTokenReused) {
			reused = err // the revocation must commit, so leave the transaction without an error
			return nil
		}
		if err != nil {
			return err
		}
		p, err := uc.principal(ctx, sess)
		if err != nil {
			return err
		}
		tokens, err = uc.sessions.issue(ctx, p, sess.Family)
		return err
	})
	if err != nil {
		return nil, err
	}
	if reused != nil {
		return nil, reused
	}
	return tokens, nil
}

// Logout revokes the session of refreshToken and says whose it was (Kind and ID only; the zero
// Principal for a token it does not know).
func (uc *AuthUsecase) Logout(ctx context.Context, refreshToken string) (Principal, error) {
	sess, err := uc.sessions.revoke(ctx, refreshToken)
	if err != nil || sess == nil {
		return Principal{}, err
	}
	return Principal{Kind: sess.Kind, ID: sess.SubjectID}, nil
}

// principal reloads who a session belongs to, refusing accounts that were disabled since.
func (uc *AuthUsecase) principal(ctx context.Context, s *Session) (Principal, error) {
	switch s.Kind {
	case SubjectUser:
		u, err := uc.users.Get(ctx, s.SubjectID)
		if err != nil {
			return Principal{}, fmt.Errorf("load user %d: %w", s.SubjectID, err)
		}
		return Principal{Kind: SubjectUser, ID: u.ID, Roles: u.Roles}, nil
	case SubjectConsole:
		a, err := uc.consoles.Get(ctx, s.SubjectID)
		if err != nil {
			return Principal{}, fmt.Errorf("load console account %d: %w", s.SubjectID, err)
		}
		if a.Disabled {
			return Principal{}, ErrAccountDisabled
		}
		return Principal{Kind: SubjectConsole, ID: a.ID, Roles: []Role{a.Role}}, nil
	}
	return Principal{}, fmt.Errorf("session %d of unknown kind %q: %w", s.ID, s.Kind, bizerr.ErrNotFound)
}

// Me returns the signed-in user.
func (uc *AuthUsecase) Me(ctx context.Context, p Principal) (*User, error) {
	if p.Kind != SubjectUser {
		return nil, fmt.Errorf("principal is a %s, not a user: %w", p.Kind, bizerr.ErrNotFound)
	}
	return uc.users.Get(ctx, p.ID)
}

// BindPhone asks WeChat for the number behind a getPhoneNumber code and stores it sealed.
func (uc *AuthUsecase) BindPhone(ctx context.Context, p Principal, code string) (*User, error) {
	if p.Kind != SubjectUser {
		return nil, fmt.Errorf("principal is a %s, not a user: %w", p.Kind, bizerr.ErrNotFound)
	}
	phone, err := uc.wechat.PhoneNumber(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("get phone number: %w", err)
	}
	if err := CheckPhone(phone); err != nil {
		return nil, fmt.Errorf("phone from wechat: %w", err)
	}
	return uc.users.SetPhone(ctx, p.ID, phone)
}
