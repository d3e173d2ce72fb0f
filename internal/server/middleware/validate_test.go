package middleware

import (
	"context"
	"strings"
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
)

var testNow = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func goodBatch() *v1.BatchInput {
	opens := testNow.Add(time.Hour)
	return &v1.BatchInput{Title: "周末水果团", OpensAt: timestamppb.New(opens),
		CutoffAt: timestamppb.New(opens.Add(24 * time.Hour)), PickupDate: "2026-12-10",
		Items:     []*v1.BatchItemInput{{SkuId: 1, PriceFen: 3990, Quota: 100, CommissionBp: 1000}},
		GridCells: []string{"8a309a4b0a47fff"}}
}

func goodOrder() *v1.PlaceOrderRequest {
	return &v1.PlaceOrderRequest{IdempotencyKey: "order-key-1", BatchId: 1,
		Lines: []*v1.OrderLineInput{{ItemId: 1, Quantity: 1, PriceFen: 3990}, {ItemId: 2, Quantity: 2, PriceFen: 990}}}
}

func edit[M proto.Message](m M, change func(M)) M {
	change(m)
	return m
}

// Each broken rule is reported at the innermost field, by the JSON path the client sent.
func TestCheckNamesInnermostField(t *testing.T) {
	tests := []struct {
		name  string
		req   proto.Message
		field string
		rule  string // a part of it
	}{
		{"top-level Go name becomes the JSON name", edit(goodOrder(), func(r *v1.PlaceOrderRequest) { r.IdempotencyKey = "short" }),
			"idempotencyKey", "regex"},
		{"quantity 0 in a line", edit(goodOrder(), func(r *v1.PlaceOrderRequest) { r.Lines[1].Quantity = 0 }),
			"lines[1].quantity", "range (0, 1000]"},
		{"price 0 in a line", edit(goodOrder(), func(r *v1.PlaceOrderRequest) { r.Lines[0].PriceFen = 0 }),
			"lines[0].priceFen", "greater than 0"},
		{"latitude 91 of an application", &v1.ApplyLeaderRequest{RealName: "张三", Phone: "13800138000", PointName: "张三团点",
			Address: "人民广场1号", Location: &v1.Location{Lat: 91, Lng: 121}, OpeningHours: "08:00-20:00"},
			"location.lat", "[-90, 90]"},
		{"nested twice, behind a body field", &v1.UpdateBatchRequest{Id: 1, Batch: edit(goodBatch(), func(b *v1.BatchInput) { b.Items[0].CommissionBp = 10001 })},
			"batch.items[0].commissionBp", "10000"},
		{"list item", edit(goodBatch(), func(b *v1.BatchInput) { b.GridCells = append(b.GridCells, "nope") }),
			"gridCells[1]", "regex"},
		{"too many items", &v1.CreatePlanRequest{RatesBp: []int32{1, 2, 3, 4}}, "ratesBp", "no more than 3"},
		{"missing nested message", &v1.UpdateBatchRequest{Id: 1}, "batch", "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := check(tt.req, testNow)
			if len(vs) == 0 {
				t.Fatal("no violation")
			}
			if vs[0].path != tt.field || !strings.Contains(vs[0].rule, tt.rule) {
				t.Errorf("got %+v, want %s breaking a rule with %q", vs, tt.field, tt.rule)
			}
		})
	}
}

// Every string field refuses control characters and, where required, white space alone; every
// date lies in the service's range.
func TestCheckInputsOfEveryField(t *testing.T) {
	tests := []struct {
		name  string
		req   proto.Message
		field string // "" when the request is fine
	}{
		{"good batch", goodBatch(), ""},
		{"NUL in a product title", &v1.ProductInput{Title: "桃\x00子", Category: "水果"}, "title"},
		{"escape in a grid name", &v1.SaveGridRequest{Cell: "8a309a4b0a47fff", Name: "\x1b[2J人民广场"}, "name"},
		{"DEL in a nested pickup point", &v1.ApplyLeaderRequest{RealName: "张三", Phone: "13800138000", PointName: "张三\x7f团点",
			Address: "人民广场1号", Location: &v1.Location{Lat: 31, Lng: 121}, OpeningHours: "08:00-20:00"}, "pointName"},
		{"C1 control", &v1.CancelBatchRequest{Id: 1, Reason: "售罄\u0085"}, "reason"},
		{"line feed in a one-line reason", &v1.CancelBatchRequest{Id: 1, Reason: "售罄\n了"}, "reason"},
		{"line feed and tab in a description", &v1.ProductInput{Title: "桃子", Category: "水果", Description: "产地直发\n\t新鲜"}, ""},
		{"carriage return in a description", &v1.ProductInput{Title: "桃子", Category: "水果", Description: "产地直发\r\n"}, "description"},
		{"line feed in an after-sale reason", &v1.AfterSaleRequest{OrderId: 1, Reason: "坏了\n两个"}, ""},
		{"white-space title", edit(goodBatch(), func(b *v1.BatchInput) { b.Title = " \u3000\t " }), "title"},
		{"white space where nothing is required", &v1.ReviewAfterSaleRequest{Id: 1, Approve: true, Note: "  "}, ""},
		{"pickup in 9999", edit(goodBatch(), func(b *v1.BatchInput) { b.PickupDate = "9999-12-31" }), "pickupDate"},
		{"pickup on a day that does not exist", edit(goodBatch(), func(b *v1.BatchInput) { b.PickupDate = "2026-02-30" }), "pickupDate"},
		{"window opening in 1970", edit(goodBatch(), func(b *v1.BatchInput) { b.OpensAt = timestamppb.New(time.Unix(0, 0)) }), "opensAt"},
		{"cut-off in year 1", edit(goodBatch(), func(b *v1.BatchInput) { b.CutoffAt = &timestamppb.Timestamp{Seconds: -62135596800} }), "cutoffAt"},
		{"plan effective from year 1", &v1.CreatePlanRequest{EffectiveFrom: &timestamppb.Timestamp{Seconds: -62135596800}}, "effectiveFrom"},
		{"settlement cut-off in year 1", &v1.StartSettlementRunRequest{Cutoff: &timestamppb.Timestamp{Seconds: -62135596800}, IdempotencyKey: "settle-key-1"}, "cutoff"},
		{"invalid timestamp", &v1.StartSettlementRunRequest{Cutoff: &timestamppb.Timestamp{Nanos: -1}, IdempotencyKey: "settle-key-1"}, "cutoff"},
		{"statement month 9999", &v1.GetMyStatementRequest{Month: "9999-12"}, "month"},
		{"statement day range from 1999", &v1.ExportLeaderStatementRequest{LeaderId: 1, From: "1999-12-31", To: "2026-01-01"}, "from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := check(tt.req, testNow)
			switch {
			case tt.field == "" && len(vs) > 0:
				t.Errorf("refused: %+v", vs)
			case tt.field != "" && (len(vs) == 0 || vs[0].path != tt.field):
				t.Errorf("got %+v, want %s refused", vs, tt.field)
			}
		})
	}
}

// The reply names every violation in its message and the first in its metadata.
func TestValidateAnswersInvalidArgument(t *testing.T) {
	req := edit(goodOrder(), func(r *v1.PlaceOrderRequest) { r.Lines[0].Quantity, r.Lines[1].PriceFen = 0, 0 })
	reached := false
	_, err := Validate()(func(_ context.Context, _ any) (any, error) { reached = true; return nil, nil })(context.Background(), req)
	if reached {
		t.Fatal("the handler ran")
	}
	e := kerrors.FromError(err)
	if e.Code != 400 || e.Reason != v1.ErrorReason_INVALID_ARGUMENT.String() {
		t.Fatalf("got %v", err)
	}
	if e.Metadata["field"] != "lines[0].quantity" || !strings.Contains(e.Metadata["rule"], "range (0, 1000]") ||
		!strings.Contains(e.Message, "lines[1].priceFen: value must be greater than 0") {
		t.Errorf("got %q %v", e.Message, e.Metadata)
	}
}
