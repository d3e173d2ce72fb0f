package server

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	protoenc "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
)

// A request whose bytes are not the method's message is the client's fault, as malformed JSON
// is over HTTP. gRPC decodes the request before any interceptor runs and reports every codec
// failure as INTERNAL (it re-wraps the codec's error, whatever its code), so a failing codec
// alone cannot answer otherwise. Instead each method's decoder hands the codec a decodeTarget:
// the codec keeps the decoding error in it and reports success, and the decoder answers
// MALFORMED_REQUEST (INVALID_ARGUMENT) itself.

// decodeTarget carries the request message to the codec and the decoding error back.
type decodeTarget struct {
	msg any
	err error
}

// requestCodec is the proto codec, except that it keeps a decodeTarget's error in the target.
type requestCodec struct{ encoding.CodecV2 }

func newRequestCodec() requestCodec {
	return requestCodec{encoding.GetCodecV2(protoenc.Name)}
}

func (c requestCodec) Unmarshal(data mem.BufferSlice, v any) error {
	t, ok := v.(*decodeTarget)
	if !ok {
		return c.CodecV2.Unmarshal(data, v)
	}
	t.err = c.CodecV2.Unmarshal(data, t.msg)
	return nil
}

// decodeGuard registers services with decoders that answer MALFORMED_REQUEST for a request
// that does not decode; it needs the server to use requestCodec.
type decodeGuard struct{ grpc.ServiceRegistrar }

func (g decodeGuard) RegisterService(desc *grpc.ServiceDesc, impl any) {
	guarded := *desc
	guarded.Methods = make([]grpc.MethodDesc, len(desc.Methods))
	for i, m := range desc.Methods {
		guarded.Methods[i] = grpc.MethodDesc{MethodName: m.MethodName, Handler: guardDecode(m.Handler)}
	}
	g.ServiceRegistrar.RegisterService(&guarded, impl)
}

func guardDecode(h grpc.MethodHandler) grpc.MethodHandler {
	return func(srv any, ctx context.Context, dec func(any) error, in grpc.UnaryServerInterceptor) (any, error) {
		return h(srv, ctx, func(msg any) error {
			t := &decodeTarget{msg: msg}
			if err := dec(t); err != nil {
				return err
			}
			if t.err != nil {
				return v1.ErrorMalformedRequest("request message: %v", t.err)
			}
			return nil
		}, in)
	}
}
