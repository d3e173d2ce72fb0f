package e2e

import (
	"context"
	"testing"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	v1 "github.com/groupbuy/groupbuy/api/groupbuy/v1"
)

// The gRPC transport runs the same middleware: authentication, roles and validation.
func TestGRPCTransport(t *testing.T) {
	s := start(t)
	access := s.login("o-e2e-grpc").str("accessToken")
	conn, err := grpc.NewClient(s.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := v1.NewAuthClient(conn)
	ctx := context.Background()

	if _, err := client.GetMe(ctx, &v1.GetMeRequest{}); kerrors.Reason(err) != v1.ErrorReason_UNAUTHENTICATED.String() {
		t.Fatalf("GetMe without token: %v", err)
	}
	authed := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+access)
	me, err := client.GetMe(authed, &v1.GetMeRequest{})
	if err != nil || me.GetId() == 0 {
		t.Fatalf("GetMe: %v %v", me, err)
	}
	if _, err := client.BindPhone(authed, &v1.BindPhoneRequest{}); !v1.IsInvalidArgument(err) {
		t.Fatalf("BindPhone without code: %v", err)
	}
	if _, err := v1.NewConsoleClient(conn).GetConsoleMe(authed, &v1.GetConsoleMeRequest{}); !v1.IsForbidden(err) {
		t.Fatalf("shopper on console over gRPC: %v", err)
	}
}

// Bytes that are not the method's message are the client's error over gRPC too: they are
// answered INVALID_ARGUMENT with the API's reason, never INTERNAL.
func TestGRPCMalformedMessage(t *testing.T) {
	s := start(t)
	conn, err := grpc.NewClient(s.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	garbage := map[string][]byte{
		"truncated length":  {0x0a, 0xff, 0x01, 'x'},
		"invalid wire type": {0x0f, 0x01},
		"field number zero": {0x00, 0x01},
		"truncated varint":  {0x08, 0xff, 0xff},
	}
	for name, body := range garbage {
		t.Run(name, func(t *testing.T) {
			var out []byte
			err := conn.Invoke(context.Background(), v1.Auth_WechatLogin_FullMethodName, body, &out,
				grpc.ForceCodecV2(rawCodec{}))
			if status.Code(err) != codes.InvalidArgument || kerrors.Reason(err) != v1.ErrorReason_MALFORMED_REQUEST.String() {
				t.Fatalf("garbage request: code %v, reason %q: %v", status.Code(err), kerrors.Reason(err), err)
			}
		})
	}
}

// rawCodec sends and receives bytes as they are.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

func (rawCodec) Name() string { return "proto" }
