package middleware_test

import (
	"context"
	"net/http"
	"testing"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
	"github.com/groupbuy/groupbuy/internal/server/middleware"
)

// validated is what protoc-gen-validate generates on every request.
type validated interface {
	proto.Message
	Validate() error
}

var fuzzRequests = []func() validated{
	func() validated { return &v1.PlaceOrderRequest{} },
	func() validated { return &v1.UpdateBatchRequest{} },
	func() validated { return &v1.VerifyPickupRequest{} },
	func() validated { return &v1.UpdateProductRequest{} },
	func() validated { return &v1.AfterSaleRequest{} },
	func() validated { return &v1.SetProductStatusRequest{} },
}

// The middleware lets a request through exactly when its proto rules hold, and refuses every
// other one with INVALID_ARGUMENT (400) before the handler runs.
func FuzzValidate(f *testing.F) {
	for kind, body := range []string{
		`{"idempotency_key":"abcdefgh","batch_id":"7","lines":[{"item_id":1,"quantity":2,"price_fen":990}]}`,
		`{"idempotency_key":"abc","batch_id":0,"lines":[{"item_id":1,"quantity":1001,"price_fen":-1}]}`,
		`{"id":3,"batch":{"title":"桃子","opens_at":"2026-11-24T10:00:00Z","cutoff_at":"2026-11-25T10:00:00Z","pickup_date":"2026-11-26",` +
			`"items":[{"sku_id":1,"price_fen":100,"quota":1}],"grid_cells":["871f1d489ffffff","871f1d489ffffff"]}}`,
		`{"code":"012345678901","qr":""}`,
		`{"id":1,"product":{"title":"ok","category":"f","images":["http://x"]}}`,
		`{"order_id":1,"reason":"坏"}`,
		`{"id":1,"status":"deleted"}`,
	} {
		f.Add(uint8(kind), []byte(body))
	}
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		req := fuzzRequests[int(kind)%len(fuzzRequests)]()
		if err := (protojson.UnmarshalOptions{}).Unmarshal(body, req); err != nil {
			return // the codec refuses it before validation
		}
		called := false
		handler := middleware.Validate()(func(context.Context, any) (any, error) {
			called = true
			return "ok", nil
		})
		_, err := handler(context.Background(), req)
		if rulesHold := req.Validate() == nil; rulesHold {
			if err != nil || !called {
				t.Fatalf("%v holds its rules, yet the middleware answered %v (handler called: %v)", req, err, called)
			}
			return
		}
		if called {
			t.Fatalf("%v breaks its rules, yet reached the handler", req)
		}
		se := kerrors.FromError(err)
		if se.Code != http.StatusBadRequest || se.Reason != v1.ErrorReason_INVALID_ARGUMENT.String() || se.Message == "" {
			t.Fatalf("%v breaks its rules: answered %v (code %d, reason %q), want INVALID_ARGUMENT 400 with a message", req, err, se.Code, se.Reason)
		}
	})
}
