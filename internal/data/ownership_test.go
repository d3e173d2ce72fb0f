package data_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// owners says which store package owns each table: only the owner writes it, and other domains
// read it through the owner's functions and methods.
var owners = map[string][]string{
	"identitystore":   {"users", "console_accounts", "sessions"},
	"leaderstore":     {"leaders", "leader_bindings", "leader_events", "grids"},
	"catalogstore":    {"products", "skus"},
	"presalestore":    {"batches", "batch_items", "batch_grids"},
	"orderstore":      {"orders", "order_lines", "after_sales", "arrivals", "shopper_notices"},
	"paymentstore":    {"payments", "payment_refunds", "payment_notifications", "receiver_registrations"},
	"ledgerstore":     {"ledger_accounts", "ledger_transactions", "ledger_postings"},
	"commissionstore": {"commission_plans", "commission_entries"},
	"settlementstore": {"settlement_runs", "settlement_items", "settlement_shares", "settlement_returns", "settlement_days"},
	"shippingstore":   {"shipping_declarations"},
	"outboxstore":     {"outbox_events"},
	"reconcilestore":  nil,
	"stockstore":      nil,
	"auditstore":      {"audit_entries"},
	"promostore":      {"coupon_templates", "coupons", "promo_activities", "coupon_sends", "coupon_send_targets"},
	"invitestore":     {"invitations"},
	"pricestore":      {"sku_price_days"},
	"trackingstore":   {"shopper_events"},
	"metricstore":     {"metric_days", "daily_job_runs"},
	"layerstore":      {"layer_snapshots", "shopper_layers", "subscription_consents", "targeted_sends", "targeted_send_targets"},
}

// readModels are the statements that read several domains' tables at once, on purpose: each is
// one set-based query on a hot or large path that a walk through owners would turn into many.
// They only read; the test refuses any write to another domain's table.
var readModels = map[string][]string{
	// Checkout inserts a flash sale's orders in one statement that checks each shopper's binding
	// and that its leader serves, so the binding cannot change between the check and the insert.
	"orderstore/order_batch.go": {"leader_bindings", "leaders"},
	// The settlement run selects its candidates (paid, payment confirmed, commission settleable,
	// not yet in a run) from 100,000s of orders in keyset pages, and the at-risk view is the
	// same selection seen from the deadline.
	"settlementstore/settlement_select.go": {"orders", "payments", "ledger_transactions", "commission_entries"},
	"settlementstore/settlement_views.go":  {"orders", "payments", "commission_entries"},
	// Reconciliation compares WeChat's bills with our payments, refunds, profit-sharing and
	// ledger for a day: it is a report over all of them.
	"reconcilestore/reconcile.go": {"payments", "payment_refunds", "settlement_items", "settlement_shares",
		"ledger_accounts", "ledger_transactions", "ledger_postings"},
	// The shipping watchdog pages through paid orders that have no uploaded declaration.
	"shippingstore/shipping.go": {"orders"},
	// The nightly rollup counts a day at every level in one set-based statement over the day's
	// events, orders, refunds and invitations (a million orders in seconds), and recounts the
	// days of the orders refunded on it.
	"metricstore/rollup.sql": {"shopper_events", "orders", "order_lines", "payment_refunds", "invitations"},
	"metricstore/metrics.go": {"orders", "payment_refunds"},
	// The nightly layer snapshot classifies every shopper from its paid orders and its binding at
	// the end of the day, in one set-based statement over hundreds of thousands of shoppers.
	"layerstore/snapshots.go": {"orders", "leader_bindings", "leaders"},
}

var (
	sqlTable  = regexp.MustCompile(`(?i)\b(FROM|JOIN|UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+([a-z_]+)`)
	sqlWrite  = regexp.MustCompile(`(?i)^(UPDATE|INSERT\s+INTO|DELETE\s+FROM)$`)
	entWrites = []string{"Create", "CreateBulk", "Update", "UpdateOne", "UpdateOneID", "Delete", "DeleteOne", "DeleteOneID"}
)

// access is one use of a table in a file.
type access struct {
	file, table string
	write       bool
}

// TestEachDomainOwnsItsTables reads the store packages' code: every table a package touches
// through ent or SQL is its own, or, for reading only, listed in readModels.
func TestEachDomainOwnsItsTables(t *testing.T) {
	db := entSchema(t)
	owner := map[string]string{}
	for pkg, tables := range owners {
		for _, table := range tables {
			owner[table] = pkg
		}
	}
	for _, table := range db.tables {
		if owner[table] == "" {
			t.Errorf("table %s has no owner in the owners map", table)
		}
	}
	dirs, err := filepath.Glob("*store")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		if _, ok := owners[dir]; !ok {
			t.Errorf("store package %s is not in the owners map", dir)
		}
		for _, a := range accesses(t, dir, db) {
			if owner[a.table] == dir {
				continue
			}
			if a.write {
				t.Errorf("%s writes %s, which %s owns", a.file, a.table, owner[a.table])
			} else if !slices.Contains(readModels[a.file], a.table) {
				t.Errorf("%s reads %s, which %s owns: ask the owner", a.file, a.table, owner[a.table])
			}
		}
	}
}

// TestOwnershipCheckSeesAccesses keeps the check honest: it must find an ent read, an ent write,
// an ent package's Table constant and SQL reads and writes in code written the way the stores
// write them.
func TestOwnershipCheckSeesAccesses(t *testing.T) {
	src := "package x\n" +
		"func f() {\n" +
		"\td.Client(ctx).Order.Query()\n" +
		"\tc.Leader.UpdateOneID(1)\n" +
		"\tq(`SELECT 1 FROM payments p JOIN users u ON true`)\n" +
		"\tq(`UPDATE commission_entries SET state = $1`)\n" +
		"}\n"
	src = strings.Replace(src, "package x\n", "package x\nimport entpay \"github.com/groupbuy/groupbuy/ent/payment\"\nvar _ = sql.Table(entpay.Table)\n", 1)
	got := fileAccesses(t, "x/x.go", src, schema{
		fields:   map[string]string{"Order": "orders", "Leader": "leaders"},
		packages: map[string]string{"payment": "payments"},
		tables:   []string{"orders", "leaders", "payments", "users", "commission_entries"},
	})
	want := []access{{"x/x.go", "orders", false}, {"x/x.go", "leaders", true}, {"x/x.go", "payments", false},
		{"x/x.go", "users", false}, {"x/x.go", "commission_entries", true}, {"x/x.go", "payments", false}}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("did not see %+v in %+v", w, got)
		}
	}
}

// schema is the tables ent generated: by client field (Order, OrderLine, …), by generated
// package (order, orderline, …) and as a list.
type schema struct {
	fields, packages map[string]string
	tables           []string
}

// entSchema reads the tables from the generated packages' Table constants.
func entSchema(t *testing.T) schema {
	t.Helper()
	files, err := filepath.Glob("../../ent/*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	client, err := os.ReadFile("../../ent/client.go")
	if err != nil {
		t.Fatal(err)
	}
	out := schema{fields: map[string]string{}, packages: map[string]string{}}
	tableConst := regexp.MustCompile(`(?m)^\tTable = "([a-z_]+)"`)
	for _, f := range files {
		pkg := filepath.Base(filepath.Dir(f))
		if filepath.Base(f) != pkg+".go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := tableConst.FindSubmatch(src)
		if m == nil {
			continue
		}
		field := regexp.MustCompile(`(?mi)^\t(` + pkg + `) \*` + pkg + `Client$`).FindSubmatch(client)
		if field == nil {
			t.Fatalf("no client field for ent package %s", pkg)
		}
		out.fields[string(field[1])] = string(m[1])
		out.packages[pkg] = string(m[1])
		out.tables = append(out.tables, string(m[1]))
	}
	if len(out.tables) < 30 {
		t.Fatalf("found %d ent tables, want every one", len(out.tables))
	}
	return out
}

func accesses(t *testing.T, dir string, db schema) []access {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	// Statements kept in files of their own (embedded) are read whole.
	sqlFiles, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	var out []access
	for _, f := range append(files, sqlFiles...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".sql") {
			out = append(out, sqlAccesses(filepath.ToSlash(f), string(src), db)...)
			continue
		}
		out = append(out, fileAccesses(t, filepath.ToSlash(f), string(src), db)...)
	}
	return out
}

// sqlAccesses are the tables named by the SQL text.
func sqlAccesses(name, text string, db schema) []access {
	var out []access
	for _, m := range sqlTable.FindAllStringSubmatch(text, -1) {
		if slices.Contains(db.tables, m[2]) {
			out = append(out, access{name, m[2], sqlWrite.MatchString(m[1])})
		}
	}
	return out
}

// fileAccesses finds ent client uses (X.Query(), X.Create() … on a client field), the Table
// constants of generated packages (in hand-built selectors) and the tables named by SQL in
// string literals.
func fileAccesses(t *testing.T, name, src string, db schema) []access {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	imported := map[string]string{} // local name -> table, for imports of generated packages
	for _, imp := range file.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		pkg, ok := strings.CutPrefix(path, "github.com/groupbuy/groupbuy/ent/")
		if !ok || db.packages[pkg] == "" {
			continue
		}
		local := pkg
		if imp.Name != nil {
			local = imp.Name.Name
		}
		imported[local] = db.packages[pkg]
	}
	var out []access
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && n.Sel.Name == "Table" && imported[id.Name] != "" {
				out = append(out, access{name, imported[id.Name], false})
			}
			inner, ok := n.X.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if table, ok := db.fields[inner.Sel.Name]; ok && isEntMethod(n.Sel.Name) {
				out = append(out, access{name, table, slices.Contains(entWrites, n.Sel.Name)})
			}
		case *ast.BasicLit:
			if n.Kind != token.STRING {
				return true
			}
			text, err := strconv.Unquote(n.Value)
			if err != nil {
				return true
			}
			out = append(out, sqlAccesses(name, text, db)...)
		}
		return true
	})
	return out
}

func isEntMethod(name string) bool {
	return name == "Query" || name == "Get" || name == "GetX" || slices.Contains(entWrites, name)
}
