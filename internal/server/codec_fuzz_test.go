package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
)

// fuzzRequests are request messages of every shape the API decodes: scalars, nested and repeated
// messages, timestamps, a route whose body is one field.
var fuzzRequests = []func() any{
	func() any { return &v1.PlaceOrderRequest{} },
	func() any { return &v1.UpdateBatchRequest{} },
	func() any { return &v1.VerifyPickupRequest{} },
	func() any { return &v1.UpdateProductRequest{} },
	func() any { return &v1.AfterSaleRequest{} },
	func() any { p := &v1.ProductInput{}; return &p }, // body: "product", handed over as **ProductInput
}

// decodeBody either fills the message with what a strict protojson reading of the body gives,
// or answers with one of the API's reasons and a 4xx status; it never panics.
func FuzzDecodeBody(f *testing.F) {
	for kind, body := range []string{
		`{"idempotency_key":"abcdefgh","batch_id":"7","lines":[{"item_id":1,"quantity":2,"price_fen":990}]}`,
		`{"id":3,"batch":{"title":"桃","opens_at":"2026-11-24T10:00:00Z","cutoff_at":"2026-11-25T10:00:00+08:00","items":[{}],"grid_cells":["871f1d489ffffff"]}}`,
		`{"code":"012345678901","qr":"GB1.1.012345678901.abc"}`,
		`{"id":1,"product":{"title":"ok","images":["https://x"]}}`,
		`{"order_id":1,"lines":[],"reason":"坏了"}`,
		`{"title":"ok","category":"fruit"}`,
	} {
		f.Add(uint8(kind), "application/json", []byte(body))
	}
	f.Add(uint8(0), "application/json; charset=utf-8", []byte(`{"idempotencyKey":"abcdefgh"}`))
	f.Add(uint8(0), "application/json", []byte(`{"unknown":1}`))
	f.Add(uint8(0), "application/json", []byte(`{"batch_id":1e400}`))
	f.Add(uint8(0), "text/plain", []byte(`{}`))
	f.Add(uint8(1), "", []byte(`{"batch":{"opens_at":"2026-13-40T99:00:00Z"}}`))
	f.Add(uint8(2), "application/json", []byte("{\"code\":\"\xff\"}"))
	f.Add(uint8(5), "application/json", []byte(`null`))
	f.Add(uint8(5), "application/json", []byte(``))
	f.Fuzz(func(t *testing.T, kind uint8, contentType string, body []byte) {
		v := fuzzRequests[int(kind)%len(fuzzRequests)]()
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		err := decodeBody(r, v)
		if err != nil {
			se := kerrors.FromError(err)
			if _, ours := v1.ErrorReason_value[se.Reason]; !ours || se.Code < 400 || se.Code > 499 {
				t.Fatalf("body %q: error %v (reason %q, code %d), want a 4xx with one of the API's reasons", body, err, se.Reason, se.Code)
			}
			return
		}
		msg, ok := asMessage(v)
		if !ok {
			t.Fatalf("%T decoded but is no message", v)
		}
		// What was accepted reads back the same after writing it out.
		out, err := protojson.Marshal(msg)
		if err != nil {
			t.Fatalf("accepted %q into %v, which does not encode: %v", body, msg, err)
		}
		again := proto.Clone(msg)
		proto.Reset(again)
		if err := strictJSON.Unmarshal(out, again); err != nil || !proto.Equal(msg, again) {
			t.Fatalf("accepted %q as %v; written as %s it reads back as %v (%v)", body, msg, out, again, err)
		}
	})
}
