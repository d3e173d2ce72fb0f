package ledger_test

import (
	"errors"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/ledger"
)

func TestPrepare(t *testing.T) {
	cl, rev, p7 := ledger.PlatformAccount(ledger.Clearing), ledger.PlatformAccount(ledger.Revenue),
		ledger.LeaderAccount(7, ledger.Pending)
	a := ledger.Tx{Key: "a", Kind: "k", Postings: []ledger.Posting{{cl, 100}, {p7, -10}, {rev, -90}, {rev, 0}}}
	aAgain := ledger.Tx{Key: "a", Kind: "k", Postings: []ledger.Posting{{rev, -90}, {cl, 100}, {p7, -10}}}
	aOther := ledger.Tx{Key: "a", Kind: "k", Postings: []ledger.Posting{{cl, 100}, {rev, -100}}}
	got, err := ledger.Prepare([]ledger.Tx{a, aAgain})
	if err != nil || len(got) != 1 || len(got[0].Postings) != 3 {
		t.Fatalf("Prepare(a, a again) = %+v, %v; want a once, zero posting dropped", got, err)
	}
	if _, err := ledger.Prepare([]ledger.Tx{a, aOther}); !errors.Is(err, ledger.ErrKeyConflict) {
		t.Fatalf("Prepare(a, a other) = %v; want ErrKeyConflict", err)
	}
	bad := []ledger.Tx{
		{Key: "b", Kind: "k", Postings: []ledger.Posting{{cl, 100}, {rev, -99}}},
		{Key: "b", Kind: "", Postings: []ledger.Posting{{cl, 100}, {rev, -100}}},
		{Key: "b", Kind: "k", GridCell: "12345678901234567", Postings: []ledger.Posting{{cl, 100}, {rev, -100}}},
		{Key: "b", Kind: "k", Postings: []ledger.Posting{{ledger.LeaderAccount(1, ledger.Revenue), 1}, {rev, -1}}},
		{Key: "b", Kind: "k", Postings: []ledger.Posting{{ledger.Account{Owner: "x", Purpose: ledger.Revenue}, 1}, {rev, -1}}},
	}
	for i, b := range bad {
		if _, err := ledger.Prepare([]ledger.Tx{a, b}); err == nil {
			t.Errorf("bad %d accepted", i)
		}
	}
	if !ledger.SamePostings(a.Postings, aAgain.Postings) || ledger.SamePostings(a.Postings, aOther.Postings) {
		t.Fatal("SamePostings")
	}
	if (ledger.Report{}).OK() != true || (ledger.Report{TrialBalance: 1}).OK() || (ledger.Report{OrphanPostings: 1}).OK() {
		t.Fatal("Report.OK")
	}
}
