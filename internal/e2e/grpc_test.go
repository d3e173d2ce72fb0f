package e2e

import (
	"context"
	"testing"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

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
