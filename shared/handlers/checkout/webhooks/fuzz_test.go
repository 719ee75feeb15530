package webhooks_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/eventfile"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
)

// FuzzUnsigned: whatever the body and headers, a request whose signature
// does not match never gets a 2xx. The store is unreachable, so a request
// that got past the signature check would show as a 5xx too, never a 2xx.
func FuzzUnsigned(f *testing.F) {
	d := app.New(app.Config{Table: "t", ClickKey: clickKey, WebhookSecrets: secret}, dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: strPtr("http://127.0.0.1:1")}),
		slog.New(slog.NewJSONHandler(io.Discard, nil)))
	d.Now = func() time.Time { return now }
	orders, optins := webhooks.Orders(d), webhooks.OptIns(d)
	f.Add(`{"id":"x"}`, "msg_1", fmt.Sprint(now.Unix()), "v1,"+base64.StdEncoding.EncodeToString(make([]byte, 32)))
	f.Add("", "", "", "")
	f.Add(`{}`, "id", "notatime", "v1,")
	f.Fuzz(func(t *testing.T, body, id, ts, sig string) {
		req := eventfile.Load(t, "webhook-orders")
		req.Body = body
		req.Headers["webhook-id"], req.Headers["webhook-timestamp"], req.Headers["webhook-signature"] = id, ts, sig
		for _, h := range []func(context.Context, any) int{
			func(ctx context.Context, _ any) int { r, _ := orders(ctx, req); return r.StatusCode },
			func(ctx context.Context, _ any) int { r, _ := optins(ctx, req); return r.StatusCode },
		} {
			if code := h(context.Background(), nil); code < 400 {
				t.Fatalf("unsigned request answered %d", code)
			}
		}
	})
}

func strPtr(s string) *string { return &s }
