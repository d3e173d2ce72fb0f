package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/payment"
	"github.com/groupbuy/groupbuy/internal/biz/reconcile"
	"github.com/groupbuy/groupbuy/internal/biz/report"
)

// Exit statuses of `groupbuy reconcile`.
const (
	exitDifferences = 1
	exitError       = 2
)

// exitStatus is an error that ends the program with its own status.
type exitStatus struct {
	code int
	err  error
}

func (e *exitStatus) Error() string { return e.err.Error() }
func (e *exitStatus) Unwrap() error { return e.err }

// reconcileCmd is `groupbuy reconcile`: the day's reconciliation against WeChat Pay's trade and
// profit-sharing bills, printed ("clean", or the differences and what to do about them, then the
// notes) and with -csv written for finance. It exits 1 when the day has differences and 2 on an
// error (a bill not out yet included), so cron can tell them apart.
func reconcileCmd(args []string) error {
	if err := reconcileRun(args, os.Stdout); err != nil {
		var st *exitStatus
		if errors.As(err, &st) {
			return err
		}
		return &exitStatus{code: exitError, err: err}
	}
	return nil
}

func reconcileRun(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("reconcile", flag.ContinueOnError)
	confPath := confFlag(fs)
	dayArg := fs.String("day", "", "the Beijing calendar day to reconcile, YYYY-MM-DD (its bills are out after 10:00 the next day)")
	csvPath := fs.String("csv", "", "also write the report to this CSV file (UTF-8 with a BOM, for Excel)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dayArg == "" {
		return errors.New("reconcile: -day YYYY-MM-DD is required")
	}
	day, err := reconcile.ParseDay(*dayArg, time.Now())
	if err != nil {
		return fmt.Errorf("reconcile: -day %q: %w", *dayArg, err)
	}
	bc, err := loadConfig(*confPath)
	if err != nil {
		return err
	}
	rec, cleanup, err := wireReconciler(bc, commandLogger())
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	defer cleanup()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	r, err := rec.Day(ctx, day)
	if errors.Is(err, payment.ErrBillNotReady) {
		return fmt.Errorf("%w: WeChat Pay makes a day's bills after 10:00 the next day (Beijing time); try again later", err)
	}
	if err != nil {
		return err
	}
	printReconciliation(out, r)
	if *csvPath != "" {
		if err := writeReconciliationCSV(*csvPath, r); err != nil {
			return err
		}
		fmt.Fprintf(out, "CSV written to %s\n", *csvPath)
	}
	if !r.Clean {
		return &exitStatus{code: exitDifferences, err: fmt.Errorf("reconciliation of %s: %d differences", *dayArg, len(r.Differences))}
	}
	return nil
}

func writeReconciliationCSV(path string, r *reconcile.Report) error {
	var b bytes.Buffer
	if err := reconcile.WriteCSV(&b, r); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644) //nolint:gosec // G304, G306: the report file finance named, for Excel
}

// printReconciliation prints the verdict and what was compared, then the differences as a
// table with the advice of each kind, then the notes.
func printReconciliation(w io.Writer, r *reconcile.Report) {
	day := r.Day.In(bjtime.Zone).Format(time.DateOnly)
	c := r.Counts
	if r.Clean {
		fmt.Fprintf(w, "reconciliation of %s: clean\n", day)
	} else {
		fmt.Fprintf(w, "reconciliation of %s: %d differences\n", day, len(r.Differences))
	}
	fmt.Fprintf(w, "  bills: %d payments, %d refunds, %d shares, %d unfreezes, %d returns; ours: %d payments, %d refunds, %d shares\n",
		c.BillPayments, c.BillRefunds, c.BillShares, c.BillUnfreezes, c.BillReturns, c.OurPayments, c.OurRefunds, c.OurShares)
	fmt.Fprintf(w, "  %d bill lines matched; the ledger of %d orders checked\n", c.Matched, c.Orders)
	d := r.Discounts
	fmt.Fprintf(w, "  %d orders paid (yuan): goods %s − 满减 %s − coupons %s = paid %s; discounts borne by leaders %s, by the platform %s; gifts %s\n",
		d.Orders, report.Yuan(d.Goods), report.Yuan(d.PromoOff), report.Yuan(d.CouponOff), report.Yuan(d.Paid),
		report.Yuan(d.LeaderFunded), report.Yuan(d.PlatformFunded()), report.Yuan(d.Gifts))
	if len(r.Differences) > 0 {
		fmt.Fprintln(w, "\ndifferences (amounts in yuan):")
		printDifferences(w, r.Differences)
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w, "\nnotes (informational):")
		printDifferences(w, r.Notes)
	}
}

// printDifferences is a table of ds, then each distinct advice once.
func printDifferences(w io.Writer, ds []reconcile.Difference) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  KIND\tCATEGORY\tREF\tOURS\tWECHAT\tDETAIL")
	var advice []string
	seen := map[string]bool{}
	for _, d := range ds {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", d.Kind, d.Category, d.Ref, report.Yuan(d.Ours), report.Yuan(d.WeChat), d.Detail)
		key := string(d.Kind) + "/" + d.Category
		if d.Advice != "" && !seen[key] {
			seen[key] = true
			advice = append(advice, fmt.Sprintf("  %s: %s", key, d.Advice))
		}
	}
	_ = tw.Flush()
	if len(advice) > 0 {
		fmt.Fprintln(w, "  what to do:")
		for _, a := range advice {
			fmt.Fprintln(w, "  "+a)
		}
	}
}
