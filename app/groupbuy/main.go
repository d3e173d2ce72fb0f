// Command groupbuy is the community group-buy service: `serve` runs the HTTP and gRPC API,
// `migrate` brings the database schema up to date, and `account` manages console accounts.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/groupbuy/groupbuy/internal/conf"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

const usage = `groupbuy — community group-buy service

Usage:
  groupbuy serve   -conf FILE                      run the API (HTTP and gRPC)
  groupbuy migrate -conf FILE                      apply pending database migrations
  groupbuy account create -conf FILE -username NAME -role ops|finance|admin
                                                   create a console account; the password is
                                                   read from GROUPBUY_ACCOUNT_PASSWORD or stdin
  groupbuy account unlock -conf FILE -username NAME
                                                   lift a lock-out after failed logins
  groupbuy ledger check -conf FILE                 recompute every balance and check double entry;
                                                   exits 1 if anything is wrong
  groupbuy settle -conf FILE [-cutoff RFC3339]     settle commission through WeChat Pay profit-sharing:
                                                   start a run (cut-off default now), work it until
                                                   done and print its summary; exits 1 on failures
  groupbuy reconcile -conf FILE -day YYYY-MM-DD [-csv FILE]
                                                   reconcile a Beijing day against WeChat Pay's trade
                                                   and profit-sharing bills (out after 10:00 the next
                                                   day, kept 3 months): print "clean" or the
                                                   differences and notes, -csv writes them for Excel;
                                                   exits 1 on differences, 2 on an error
  groupbuy version

-conf is required: configs/postgres.yaml in production (environment variables GROUPBUY_<KEY>
fill the ${KEY} placeholders of the file); for development, "make run" builds the binary with
-tags dev and runs it on configs/groupbuy.yaml (the embedded default: SQLite, in-process Redis
and WeChat), which a plain "go build" of this program does not link.
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "groupbuy:", err)
		var st *exitStatus
		if errors.As(err, &st) {
			os.Exit(st.code)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serveCmd(rest)
	case "migrate":
		return migrateCmd(rest)
	case "account":
		return accountCmd(rest)
	case "ledger":
		return ledgerCmd(rest)
	case "settle":
		return settleCmd(rest)
	case "reconcile":
		return reconcileCmd(rest)
	case "version":
		fmt.Println(Version)
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// confFlag adds the -conf flag every command takes. It has no default: a production server
// silently taking the development file would be worse than not starting.
func confFlag(fs *flag.FlagSet) *string {
	return fs.String("conf", "", "configuration file (required), e.g. configs/postgres.yaml")
}

// errNoConf is what a command says when -conf is missing.
var errNoConf = errors.New("-conf FILE is required: -conf configs/postgres.yaml in production " +
	"(with the GROUPBUY_* variables it names), or `make run` for development on the embedded default")

// loadConfig loads the -conf file, and refuses development stand-ins this binary does not link.
func loadConfig(path string) (*conf.Bootstrap, error) {
	if path == "" {
		return nil, errNoConf
	}
	bc, err := conf.Load(path)
	if err != nil {
		return nil, err
	}
	if err := conf.CheckStandIns(bc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return bc, nil
}
