package leader

import (
	"context"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/port"
)

// Usecase holds the leader, grid and binding use cases.
type Usecase struct {
	repo      Repo
	grids     GridRepo
	bindings  BindingRepo
	receivers ReceiverQueue
	users     Users
	marks     identity.AccessMarks
	tx        port.Transactor
	cfg       Config
	now       port.Clock
}

// NewUsecase wires the use cases.
func NewUsecase(repo Repo, grids GridRepo, bindings BindingRepo, receivers ReceiverQueue, users Users,
	marks identity.AccessMarks, tx port.Transactor, cfg Config, now port.Clock) *Usecase {
	return &Usecase{repo: repo, grids: grids, bindings: bindings, receivers: receivers, users: users,
		marks: marks, tx: tx, cfg: cfg, now: now}
}

// actor is who made a change, for the event log.
type actor struct {
	kind string
	id   int64
}

func actorOf(p identity.Principal) actor { return actor{kind: string(p.Kind), id: p.ID} }

func (uc *Usecase) record(ctx context.Context, leaderID int64, action string, a actor, reason string) error {
	return uc.repo.AddEvent(ctx, Event{
		LeaderID: leaderID, Action: action, ActorKind: a.kind, ActorID: a.id, Reason: reason, At: uc.now(),
	})
}
