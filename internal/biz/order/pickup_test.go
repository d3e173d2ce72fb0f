package order

import (
	"context"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
)

func pkBatch() *presale.Batch {
	return &presale.Batch{ID: 9, Status: presale.Arrived,
		PickupDate: time.Date(2026, 5, 2, 0, 0, 0, 0, bjtime.Zone),
		Items: []presale.Item{
			{ID: 20, Title: "草莓", Spec: "500g", Unit: "盒"},
			{ID: 10, Title: "鸡蛋", Spec: "30枚", Unit: "箱"},
		}}
}

func TestPickListGroupsBagsAndSumsByStatus(t *testing.T) {
	rows := []PickRow{
		{OrderID: 101, Status: Ready, LineID: 1, ItemID: 10, Qty: 2},
		{OrderID: 101, Status: Ready, LineID: 2, ItemID: 20, Qty: 1},
		{OrderID: 102, Status: PickedUp, LineID: 3, ItemID: 10, Qty: 1},
		{OrderID: 103, Status: Paid, LineID: 4, ItemID: 20, Qty: 0}, // refunded line
		{OrderID: 104, Status: Completed, LineID: 5, ItemID: 20, Qty: 3},
		{OrderID: 10005, Status: Paid, LineID: 6, ItemID: 10, Qty: 4},
	}
	pl := buildPickList(pkBatch(), 5, rows)
	if pl.PickupDate != "2026-05-02" || pl.LeaderID != 5 {
		t.Errorf("header: %+v", pl)
	}
	if len(pl.Bags) != 4 {
		t.Fatalf("bags: %+v", pl.Bags)
	}
	if b := pl.Bags[0]; b.OrderID != 101 || len(b.Lines) != 2 || b.Shopper != "订单尾号0101" || b.Lines[1].Title != "草莓" {
		t.Errorf("first bag: %+v", b)
	}
	if pl.Bags[3].Shopper != "订单尾号0005" {
		t.Errorf("label of 10005: %s", pl.Bags[3].Shopper)
	}
	// Totals follow the batch's item order: 草莓 (20) first.
	want := []PickTotal{
		{ItemQty: ItemQty{ItemID: 20, Title: "草莓", Spec: "500g", Unit: "盒", Qty: 4}, Ready: 1, PickedUp: 3},
		{ItemQty: ItemQty{ItemID: 10, Title: "鸡蛋", Spec: "30枚", Unit: "箱", Qty: 7}, Paid: 4, Ready: 2, PickedUp: 1},
	}
	if len(pl.Totals) != 2 || pl.Totals[0] != want[0] || pl.Totals[1] != want[1] {
		t.Errorf("totals: %+v", pl.Totals)
	}
}

func TestDispatchListPerGridAndStop(t *testing.T) {
	rows := &DispatchRows{
		Lines: []StopLine{
			{Grid: "g2", LeaderID: 3, ItemID: 10, Qty: 5},
			{Grid: "g1", LeaderID: 2, ItemID: 10, Qty: 1},
			{Grid: "g1", LeaderID: 2, ItemID: 20, Qty: 2},
			{Grid: "g1", LeaderID: 1, ItemID: 20, Qty: 3},
			{Grid: "g1", LeaderID: 1, ItemID: 10, Qty: 0},
		},
		Orders: []StopOrders{{Grid: "g1", LeaderID: 1, Orders: 2}, {Grid: "g1", LeaderID: 2, Orders: 1},
			{Grid: "g2", LeaderID: 3, Orders: 4}},
		Stops: map[int64]Point{1: {Name: "一号点", Address: "一号路"}, 2: {Name: "二号点"}, 3: {Name: "三号点"}},
		Grids: map[string]GridInfo{"g1": {Name: "人民广场", RouteLabel: "A线", StationLabel: "1站"}},
	}
	dl := buildDispatchList(pkBatch(), rows, []Arrival{{LeaderID: 2}})
	if len(dl.Grids) != 2 || dl.Grids[0].Cell != "g1" || dl.Grids[0].Name != "人民广场" || dl.Grids[0].RouteLabel != "A线" {
		t.Fatalf("grids: %+v", dl.Grids)
	}
	g1 := dl.Grids[0]
	if len(g1.Stops) != 2 || g1.Stops[0].LeaderID != 1 || g1.Stops[0].Orders != 2 || g1.Stops[0].PointName != "一号点" ||
		len(g1.Stops[0].Lines) != 1 || g1.Stops[0].Arrived || !g1.Stops[1].Arrived {
		t.Errorf("stops of g1: %+v", g1.Stops)
	}
	if l := g1.Stops[1].Lines; len(l) != 2 || l[0].ItemID != 20 || l[1].ItemID != 10 {
		t.Errorf("lines of stop 2 in item order: %+v", l)
	}
	if len(g1.Totals) != 2 || g1.Totals[0].Qty != 5 || g1.Totals[1].Qty != 1 {
		t.Errorf("g1 totals: %+v", g1.Totals)
	}
	if dl.Grids[1].Name != "" || dl.Grids[1].Stops[0].Orders != 4 {
		t.Errorf("unnamed grid: %+v", dl.Grids[1])
	}
	if len(dl.Totals) != 2 || dl.Totals[0].Qty != 5 || dl.Totals[1].Qty != 6 {
		t.Errorf("batch totals: %+v", dl.Totals)
	}
}

func TestListsOnlyAfterTheCutoff(t *testing.T) {
	for _, s := range []presale.Status{presale.Draft, presale.Scheduled, presale.Open, presale.Cancelled} {
		if err := afterCutoff(&presale.Batch{Status: s}, "list"); !refusedBy(err, presale.Lifecycle) {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []presale.Status{presale.Closed, presale.Dispatched, presale.Arrived, presale.Completed} {
		if err := afterCutoff(&presale.Batch{Status: s}, "list"); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestVerifyWantsExactlyOneOfCodeAndQR(t *testing.T) {
	p := &Pickup{}
	for _, in := range [][2]string{{"", ""}, {"123456789012", "GB1.1.123456789012.x"}} {
		if _, err := p.Verify(context.Background(), 1, in[0], in[1]); !isInvalid(err, "code") {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestArrivedNoticeFitsItsColumns(t *testing.T) {
	n := arrivedNotice(&Order{ID: 12, UserID: 3}, pkLeader(string(make([]rune, 300))), time.Now())
	if n.Kind != NoticeArrived || n.OrderID != 12 || n.UserID != 3 || len([]rune(n.Body)) > 256 || len([]rune(n.Title)) > 64 {
		t.Errorf("notice: %+v", n)
	}
}

func pkLeader(name string) *leader.Leader {
	return &leader.Leader{ID: 2, Point: leader.PickupPoint{Name: name, Address: "测试路1号", OpeningHours: "8-20"}}
}
