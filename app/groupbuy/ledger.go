package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/ledger"
)

// ledgerCmd is `groupbuy ledger check`: the full check of the ledger (trial balance, every
// transaction balanced, every cached balance equal to the sum of its postings, no duplicate
// key). It exits non-zero when the check finds anything, so cron or CI can alert on it. It needs
// only the database, so it opens that alone (no Redis, no WeChat).
func ledgerCmd(args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return fmt.Errorf("ledger: want check")
	}
	fs := flag.NewFlagSet("ledger check", flag.ContinueOnError)
	confPath := confFlag(fs)
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	bc, err := loadConfig(*confPath)
	if err != nil {
		return err
	}
	book, closeDB, err := wireLedger(bc)
	if err != nil {
		return err
	}
	defer closeDB()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	r, err := book.Check(ctx)
	if err != nil {
		return err
	}
	printLedgerReport(os.Stdout, r)
	if !r.OK() {
		return fmt.Errorf("ledger check failed")
	}
	return nil
}

func printLedgerReport(w io.Writer, r ledger.Report) {
	verdict := "OK"
	if !r.OK() {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "ledger check %s in %s: %d transactions, %d postings, trial balance %d\n",
		verdict, r.Took.Round(time.Millisecond), r.Transactions, r.Postings, r.TrialBalance)
	more := func(n int) string {
		if n >= ledger.MaxListed {
			return fmt.Sprintf(" (first %d)", n)
		}
		return ""
	}
	if len(r.Unbalanced) > 0 {
		fmt.Fprintf(w, "unbalanced transactions%s:\n", more(len(r.Unbalanced)))
		for _, k := range r.Unbalanced {
			fmt.Fprintf(w, "  %s\n", k)
		}
	}
	if len(r.BalanceDiffs) > 0 {
		fmt.Fprintf(w, "cached balances that differ from their postings%s:\n", more(len(r.BalanceDiffs)))
		for _, d := range r.BalanceDiffs {
			fmt.Fprintf(w, "  %-32s cached %d, postings sum to %d\n", d.Account, d.Cached, d.Recomputed)
		}
	}
	if len(r.DuplicateKeys) > 0 {
		fmt.Fprintf(w, "keys written more than once%s:\n", more(len(r.DuplicateKeys)))
		for _, k := range r.DuplicateKeys {
			fmt.Fprintf(w, "  %s\n", k)
		}
	}
	if r.OrphanPostings > 0 {
		fmt.Fprintf(w, "%d postings name a missing account or transaction\n", r.OrphanPostings)
	}
}
