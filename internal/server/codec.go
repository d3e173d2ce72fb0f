package server

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	khttp "github.com/go-kratos/kratos/v2/transport/http"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
)

// strictJSON refuses unknown fields: a misspelt field is the client's bug and must not be
// silently dropped (kratos's default codec drops them).
var strictJSON = protojson.UnmarshalOptions{DiscardUnknown: false}

// decodeBody reads a JSON request body into the request message.
func decodeBody(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return v1.ErrorMalformedRequest("Content-Type must be application/json")
		}
	}
	data, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return v1.ErrorRequestTooLarge("request body is larger than %d bytes", tooBig.Limit)
	}
	if err != nil {
		return v1.ErrorMalformedRequest("read request body: %v", err)
	}
	if len(data) == 0 {
		return nil
	}
	msg, ok := asMessage(v)
	if !ok {
		return v1.ErrorInternal("request is not a proto message")
	}
	if err := strictJSON.Unmarshal(data, msg); err != nil {
		return v1.ErrorMalformedRequest("request body: %v", err)
	}
	return nil
}

// asMessage finds the message to decode into: the request itself, or, for a route whose body is
// one field (body: "sku"), the field the generated code hands over as a pointer to it.
func asMessage(v any) (proto.Message, bool) {
	if m, ok := v.(proto.Message); ok {
		return m, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Pointer {
		return nil, false
	}
	if rv.Elem().IsNil() {
		rv.Elem().Set(reflect.New(rv.Elem().Type().Elem()))
	}
	m, ok := rv.Elem().Interface().(proto.Message)
	return m, ok
}

// encodeResponse writes a google.api.HttpBody reply (a file such as a CSV report) as its raw
// bytes with its content type; every other reply as kratos does (JSON).
func encodeResponse(w http.ResponseWriter, r *http.Request, v any) error {
	hb, ok := v.(*httpbody.HttpBody)
	if !ok {
		return khttp.DefaultResponseEncoder(w, r, v)
	}
	w.Header().Set("Content-Type", hb.GetContentType())
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err := w.Write(hb.GetData())
	return err
}

// limitBody caps every request body; the decoder turns the overflow into REQUEST_TOO_LARGE.
func limitBody(limit int64) khttp.FilterFunc {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			next.ServeHTTP(w, r)
		})
	}
}

// encodeError writes every error with a reason of this API. Kratos reports a path or query
// parameter it cannot parse before any middleware runs, with its own reason (CODEC); those are
// given the API's reason for their status, so clients only ever see ErrorReason values.
func encodeError(w http.ResponseWriter, r *http.Request, err error) {
	se := kerrors.FromError(err)
	if _, ours := v1.ErrorReason_value[se.Reason]; !ours {
		se = foreignError(se)
	}
	khttp.DefaultErrorEncoder(w, r, se)
}

func foreignError(se *kerrors.Error) *kerrors.Error {
	switch se.Code {
	case http.StatusBadRequest:
		return v1.ErrorMalformedRequest("%s", se.Message)
	case http.StatusNotFound:
		return v1.ErrorNotFound("%s", se.Message)
	case http.StatusRequestEntityTooLarge:
		return v1.ErrorRequestTooLarge("%s", se.Message)
	case http.StatusUnauthorized:
		return v1.ErrorUnauthenticated("%s", se.Message)
	case http.StatusForbidden:
		return v1.ErrorForbidden("%s", se.Message)
	case http.StatusTooManyRequests:
		return v1.ErrorRateLimited("%s", se.Message)
	case 499:
		return se // the client went away; nobody reads the answer
	}
	return v1.ErrorInternal("internal error").WithCause(se)
}

// jsonError answers with err encoded as every other API error is.
func jsonError(err *kerrors.Error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		khttp.DefaultErrorEncoder(w, r, err)
	})
}
