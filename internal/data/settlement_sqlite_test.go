package data_test

import (
	"errors"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
	"github.com/groupbuy/groupbuy/internal/data/settlementstore"
)

// The embedded default (make run) keeps settlement in SQLite: every hand-written query of the
// store must parse and run there too.
func TestSettlementStoreQueriesRunOnSQLite(t *testing.T) {
	s := newStack(t, openSQLite(t))
	st := settlementstore.NewSettlementStore(s.data)
	ctx := t.Context()
	if _, err := st.Owed(ctx, []settlement.OrderLeader{{OrderID: 1, LeaderID: 1}}); err != nil {
		t.Fatal(err)
	}
	r, err := st.CreateRun(ctx, settlement.Run{Key: "k", Cutoff: time.Now(), Trigger: settlement.TriggerFinance, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Candidates(ctx, r.ID, time.Now(), 10); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Receivables(ctx, []int64{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Receivers(ctx, []int64{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Claim(ctx, time.Now(), time.Now().Add(time.Minute), 5, settlement.ClaimAll); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ClaimReturns(ctx, time.Now(), time.Now().Add(time.Minute), 5); err != nil {
		t.Fatal(err)
	}
	if _, err := st.FinishRuns(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Summary(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AtRisk(ctx, time.Now(), 5); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PaidMerchantShares(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := st.LockItems(ctx, []int64{1, 2}); err != nil {
		t.Fatal(err)
	}
	// No such item: the statement runs and finds nothing to finish.
	gone := settlement.Item{ID: 1, State: settlement.ItemFinished, WeChatOrderID: "3008450740201411110007820472"}
	if err := st.FinishItems(ctx, []settlement.Item{gone}, time.Now()); !errors.Is(err, bizerr.ErrConflict) {
		t.Fatalf("finish items: %v, want a conflict", err)
	}
}
