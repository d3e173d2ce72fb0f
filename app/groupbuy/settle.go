package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/report"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
)

// settleCmd is `groupbuy settle`: it starts a settlement run (trigger command) and works it in
// this process until it is done (the servers' workers share the work meanwhile), printing
// progress and the summary. The same -cutoff starts the same run, so a killed command run again
// with it resumes its run. It exits non-zero on an error or when items failed.
func settleCmd(args []string) error {
	fs := flag.NewFlagSet("settle", flag.ContinueOnError)
	confPath := confFlag(fs)
	cutoffArg := fs.String("cutoff", "", "settle commission settleable at this time (RFC 3339); empty: now")
	every := fs.Duration("progress", 5*time.Second, "print progress this often")
	timeout := fs.Duration("timeout", 2*time.Hour, "stop waiting after this long (the servers' workers carry on)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var cutoff time.Time
	if *cutoffArg != "" {
		t, err := time.Parse(time.RFC3339, *cutoffArg)
		if err != nil {
			return fmt.Errorf("settle: -cutoff %q is not RFC 3339 (2006-01-02T15:04:05+08:00)", *cutoffArg)
		}
		cutoff = t
	}
	bc, err := loadConfig(*confPath)
	if err != nil {
		return err
	}
	uc, cleanup, err := wireSettlement(bc, commandLogger())
	if err != nil {
		return fmt.Errorf("settle: %w", err)
	}
	defer cleanup()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	r, err := uc.Start(ctx, settlement.StartInput{Cutoff: cutoff, Trigger: settlement.TriggerCommand})
	if err != nil {
		return err
	}
	fmt.Printf("settlement run %d (%s), cut-off %s\n", r.ID, r.Key, r.Cutoff.In(time.Local).Format(time.RFC3339))
	return settle(ctx, uc, r.ID, *every, os.Stdout, os.Stderr)
}

// settle works run id round after round until it is done, printing progress every every.
func settle(ctx context.Context, uc *settlement.Usecase, id int64, every time.Duration, out, errOut io.Writer) error {
	lastProgress := time.Now()
	for {
		n, err := uc.Round(ctx)
		if ctx.Err() != nil {
			return fmt.Errorf("stopped waiting for settlement run %d (%w): the servers' workers carry on with it", id, context.Cause(ctx))
		}
		if err != nil {
			// One item's failure never stops the rest: it is retried in a later round.
			fmt.Fprintf(errOut, "settle: %v\n", err)
		}
		progressDue := time.Since(lastProgress) >= every
		if n > 0 && !progressDue {
			continue
		}
		v, err := uc.Get(ctx, id)
		if err != nil {
			return err
		}
		if v.State == settlement.RunDone {
			printSettlementSummary(out, v)
			if v.Summary.Failed > 0 {
				return fmt.Errorf("settlement run %d: %d items failed", id, v.Summary.Failed)
			}
			return nil
		}
		if progressDue {
			s := v.Summary
			fmt.Fprintf(out, "  %s: %d transactions, %d active, %d shared, %d unfrozen, %d failed, %d expired; %s yuan shared\n",
				v.Duration.Round(time.Second), s.Items, s.Active, s.Shared, s.Unfrozen, s.Failed, s.Expired, report.Yuan(s.Amount))
			lastProgress = time.Now()
		}
		if n == 0 {
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
}

func printSettlementSummary(w io.Writer, v *settlement.RunView) {
	s := v.Summary
	fmt.Fprintf(w, "settlement run %d done in %s\n", v.ID, v.Duration.Round(time.Millisecond))
	fmt.Fprintf(w, "  transactions  %d: %d shared, %d unfrozen, %d failed, %d expired\n", s.Items, s.Shared, s.Unfrozen, s.Failed, s.Expired)
	fmt.Fprintf(w, "  shared        %s yuan\n", report.Yuan(s.Amount))
	for _, l := range slices.Sorted(maps.Keys(s.ByLevel)) {
		fmt.Fprintf(w, "    level %d     %s yuan\n", l, report.Yuan(s.ByLevel[l]))
	}
	fmt.Fprintf(w, "  closed        %s yuan (owed to a later run)\n", report.Yuan(s.ClosedAmount))
	fmt.Fprintf(w, "  deferred      %s yuan (owed to a later run)\n", report.Yuan(s.Deferred))
	if len(s.Failures) > 0 {
		reasons := slices.SortedFunc(maps.Keys(s.Failures), func(a, b string) int {
			return cmp.Or(cmp.Compare(s.Failures[b], s.Failures[a]), cmp.Compare(a, b))
		})
		fmt.Fprintf(w, "  failures\n")
		for _, r := range reasons {
			fmt.Fprintf(w, "    %-40s %d\n", r, s.Failures[r])
		}
	}
}
