package report

import (
	"bytes"
	"encoding/csv"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/commission"
	"github.com/groupbuy/groupbuy/internal/biz/ledger"
)

func TestYuanEdgeCases(t *testing.T) {
	for fen, want := range map[int64]string{
		0: "0.00", 1: "0.01", 5: "0.05", 99: "0.99", 100: "1.00", 101: "1.01", 1205: "12.05", 12345: "123.45",
		-1: "-0.01", -5: "-0.05", -99: "-0.99", -100: "-1.00", -1205: "-12.05",
		math.MaxInt64: "92233720368547758.07", math.MinInt64: "-92233720368547758.08",
	} {
		if got := Yuan(fen); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}

// ratYuan is the reference: fen/100 as an exact rational, printed with two decimals.
func ratYuan(fen int64) string {
	return new(big.Rat).SetFrac(big.NewInt(fen), big.NewInt(100)).FloatString(2)
}

func TestYuanMatchesBigRat(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	check := func(fen int64) {
		if got, want := Yuan(fen), ratYuan(fen); got != want {
			t.Fatalf("Yuan(%d) = %q, big.Rat says %q", fen, got, want)
		}
	}
	for fen := int64(-1000); fen <= 1000; fen++ {
		check(fen)
	}
	for range 100000 {
		check(int64(r.Uint64())) // the whole int64 range, both signs
		check(r.Int64N(10_000_000_00) - 5_000_000_00)
	}
	check(math.MaxInt64)
	check(math.MinInt64)
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatalf("no UTF-8 BOM: % x", b[:min(len(b), 8)])
	}
	recs, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestWriteCSVRoundTrips(t *testing.T) {
	rows := [][]string{{"人民广场, 一号", `说 "好"`, "两\n行"}, {"", "-0.05", "合计"}}
	var b bytes.Buffer
	if err := WriteCSV(&b, []string{"甲", "乙", "丙"}, rows); err != nil {
		t.Fatal(err)
	}
	got := readCSV(t, b.Bytes())
	want := append([][]string{{"甲", "乙", "丙"}}, rows...)
	if len(got) != len(want) {
		t.Fatalf("read %q, want %q", got, want)
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestStatementRow(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, bjtime.Zone)
	s := &commission.Statement{LeaderID: 42, From: from.UTC(), To: from.AddDate(0, 1, 0).UTC(), Opening: 1000,
		EarnedByLevel: map[int]int64{0: 1197, 1: 598}, Earned: 1795, Reversed: 250, Settled: 0, Owed: 5, Closing: 2545,
		Discounts: commission.Discounts{Orders: 4, Goods: 15000, PromoOff: 800, CouponOff: 1205, LeaderFunded: 305,
			Paid: 12995, Gifts: 1600}}
	var b bytes.Buffer
	if err := Statement(&b, s); err != nil {
		t.Fatal(err)
	}
	got := readCSV(t, b.Bytes())
	want := []string{"42", "2026-03-01", "2026-04-01", "10.00", "11.97", "5.98", "0.00", "17.95", "2.50", "0.00", "0.05", "25.45",
		"4", "150.00", "8.00", "12.05", "129.95", "3.05", "17.00", "16.00"}
	if len(got) != 2 || len(got[0]) != len(want) || strings.Join(got[1], ",") != strings.Join(want, ",") {
		t.Fatalf("statement CSV %q, want header %q and row %q", got, StatementHeader(), want)
	}
	if got[0][0] != "团长ID" || got[0][4] != "本期佣金-0级(元)" || got[0][11] != "期末余额(元)" ||
		got[0][13] != "商品原价(元)" || got[0][len(want)-2] != "平台承担(元)" {
		t.Errorf("header %q", got[0])
	}
	s.EarnedByLevel[commission.MaxLevels] = 1
	if err := Statement(&bytes.Buffer{}, s); err == nil {
		t.Error("a level without a column was written")
	}
}

func TestTrialBalanceTotals(t *testing.T) {
	accts := []commission.AccountBalance{
		{ID: 1, Account: ledger.PlatformAccount(ledger.Clearing), Balance: 11970},
		{ID: 2, Account: ledger.LeaderAccount(7, ledger.Pending), Balance: -1197},
		{ID: 3, Account: ledger.PlatformAccount(ledger.Revenue), Balance: -10773},
	}
	var b bytes.Buffer
	if err := TrialBalance(&b, accts); err != nil {
		t.Fatal(err)
	}
	got := readCSV(t, b.Bytes())
	if len(got) != 5 || got[0][0] != "账户ID" {
		t.Fatalf("trial balance %q", got)
	}
	if r := got[2]; r[1] != "leader" || r[2] != "7" || r[3] != "pending" || r[4] != "-11.97" {
		t.Errorf("leader row %q", r)
	}
	if r := got[1]; r[2] != "" || r[4] != "119.70" {
		t.Errorf("platform row %q", r)
	}
	if last := got[4]; last[0] != TotalLabel || last[4] != "0.00" {
		t.Errorf("total row %q", last)
	}
}
