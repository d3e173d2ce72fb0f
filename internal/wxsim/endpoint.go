package wxsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// maxBody bounds every request body the simulator reads; its real bodies are a few hundred
// bytes.
const maxBody = 1 << 20

// wechatFunc is one WeChat API: it returns the success body or a WeChat error.
type wechatFunc func(r *http.Request) (any, *wxError)

// handleWeChat registers a WeChat API under its operation name. The path is registered for
// every method because WeChat answers a wrong method with its own errcode, not HTTP 405.
func (s *Simulator) handleWeChat(path, op, method string, h wechatFunc) {
	calls := s.registerOperation(op)
	s.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		// Counted before anything can fail: tests count what the service sent, not what
		// succeeded.
		calls.Add(1)
		if r.Method != method {
			writeWX(w, methodError(method))
			return
		}
		// Read the body before any injected latency: net/http notices a client that gave up only
		// once the body is consumed, and a sleeping handler would otherwise outlive it.
		raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			writeWX(w, newWXError(ErrcodeDataFormat))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		if e := s.applyFault(r.Context(), op); e != nil {
			writeWX(w, e)
			return
		}
		body, e := h(r)
		if e != nil {
			writeWX(w, e)
			return
		}
		writeWX(w, body)
	})
}

func methodError(want string) *wxError {
	if want == http.MethodGet {
		return newWXError(ErrcodeRequireGET)
	}
	return newWXError(ErrcodeRequirePOST)
}

// decodeWXBody reads a WeChat JSON request body. Unknown fields are ignored, as WeChat ignores
// them; a body that is not JSON is WeChat's 47001.
func decodeWXBody(r *http.Request, dst any) *wxError {
	if err := decodeJSON(r, dst, false); err != nil {
		return newWXError(ErrcodeDataFormat)
	}
	return nil
}

// decodeJSON reads one JSON value from r's body into dst, and nothing after it. An empty body
// leaves dst as it is. strict rejects unknown fields.
func decodeJSON(r *http.Request, dst any, strict bool) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(dst); errors.Is(err, io.EOF) {
		return nil
	} else if err != nil {
		return fmt.Errorf("decode request body: %w", err)
	}
	if err := dec.Decode(new(json.RawMessage)); !errors.Is(err, io.EOF) {
		return errors.New("decode request body: data after the JSON value")
	}
	return nil
}
