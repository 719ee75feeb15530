// Package eventfile loads the sample API Gateway events of events/, so tests
// and `sam local invoke` share them and a stale sample breaks a test, and
// makes a sample acceptable to a function under test (Prepare).
package eventfile

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/webhooksig"
	"github.com/tallyhq/tally/shared/handlers/checkout/shopifyhook"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Load decodes events/<name>.json into an HTTP API request.
func Load(t testing.TB, name string) apigw.Request {
	t.Helper()
	path, err := sam.RepoFile("events/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var req apigw.Request
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return req
}

// Secrets are what a function under test was given to verify webhooks
// with: the raw key of TALLY_WEBHOOK_SECRET, Stripe's endpoint secret and
// Shopify's client secret.
type Secrets struct {
	Webhook         []byte
	Stripe, Shopify string
}

// ImportSample is the large import's file whose job the status page's and
// the worker's samples name (events/ holds its id, store.ImportID of it).
const ImportSample = "code,name,email,plan,events,payout_email,coupons\nava,Ava Stone,ava@example.org,standard,summit-2026,,AVA10\nnoor,Noor Haddad,noor@example.org,partner,gut-2026;summit-2026,,\n"

// Prepare makes the sample events/<folder>.json acceptable now, against the
// table of st: webhooks are signed for the moment they are sent, with the
// secrets the function was given; a short link names the code this table
// drew (codes are random); the import's samples find the job the import
// request leaves (kept, its first run queued).
func Prepare(folder string, b []byte, st *store.Store, s Secrets, now time.Time) ([]byte, error) {
	ctx := context.Background()
	if folder == "admin-affiliate-import-status" || folder == "affiliate-import-worker" {
		_, err := st.StartImport(ctx, []byte(ImportSample), 2, now)
		return b, err
	}
	if !strings.HasPrefix(folder, "webhook-") && folder != "click-short" {
		return b, nil
	}
	var req apigw.Request
	if err := json.Unmarshal(b, &req); err != nil {
		return nil, err
	}
	body, err := apigw.Body(req)
	if err != nil {
		return nil, err
	}
	switch folder {
	case "click-short":
		p, _, err := st.LoadProgram(ctx)
		if err != nil {
			return nil, err
		}
		for _, l := range p.Links {
			if l.Event == "summit-2026" && l.Affiliate == "jane" {
				req.PathParameters["code"] = l.Code
				req.RawPath = "/s/" + l.Code
				req.RequestContext.HTTP.Path = req.RawPath
			}
		}
	case "webhook-stripe":
		req.Headers["stripe-signature"] = webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: s.Stripe}).Header
	case "webhook-shopify":
		req.Headers["x-shopify-hmac-sha256"] = shopifyhook.Sign([]byte(s.Shopify), body)
	default:
		req.Headers["webhook-timestamp"] = strconv.FormatInt(now.Unix(), 10)
		req.Headers["webhook-signature"] = webhooksig.Sign(s.Webhook, req.Headers["webhook-id"], now, body)
	}
	req.RequestContext.TimeEpoch = now.UnixMilli()
	req.RequestContext.Time = now.UTC().Format("02/Jan/2006:15:04:05 -0700")
	return json.Marshal(req)
}
