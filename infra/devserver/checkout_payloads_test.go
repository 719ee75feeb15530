package devserver_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/ledger"
)

const (
	payloadsClickKey = "checkout-payloads-click-key-0123456789abcdef"
	payloadsStripe   = "whsec_checkout_payloads_0123456789"
	payloadsShopify  = "shpss_checkout_payloads_0123456789"
)

// payloadServer is the dev server on DynamoDB Local with the demo program
// in currency, its Stripe API answered by api.
func payloadServer(t *testing.T, currency string, api http.Handler) (*devserver.Server, *httptest.Server, *clicktoken.Keys) {
	t.Helper()
	return payloadServerOf(t, bytes.Replace(demo.YAML, []byte("currency: USD"), []byte("currency: "+currency), 1), api)
}

// payloadServerOf is payloadServer with the program file given.
func payloadServerOf(t *testing.T, programYAML []byte, api http.Handler) (*devserver.Server, *httptest.Server, *clicktoken.Keys) {
	t.Helper()
	stripeAPI := httptest.NewServer(api)
	t.Cleanup(stripeAPI.Close)
	srv, err := devserver.New(context.Background(), devserver.Options{
		DynamoDBEndpoint: dynamotest.Endpoint(t), Table: dynamotest.NewTable(t, dynamotest.Client(t)),
		ProgramYAML: programYAML,
		ClickKey:    payloadsClickKey, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Mail: io.Discard,
		StripeWebhookSecrets: payloadsStripe, StripeAPIKey: "rk_test_payloads", StripeAPIURL: stripeAPI.URL,
		ShopifySecrets: payloadsShopify,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	keys, err := clicktoken.NewKeys([]byte(payloadsClickKey))
	if err != nil {
		t.Fatal(err)
	}
	return srv, ts, keys
}

// payload reads events/<dir>/<name>.json and sets fields of the object at
// path (the event's data.object for Stripe, the top for Shopify): only what
// a business's own setup changes, such as the click.
func payload(t *testing.T, dir, name string, set map[string]any, path ...string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if err := json.Unmarshal(raw, &top); err != nil {
		t.Fatal(err)
	}
	o := top
	for _, p := range path {
		o = o[p].(map[string]any)
	}
	for k, v := range set {
		o[k] = v
	}
	b, err := json.Marshal(top)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func postJSON(t *testing.T, url string, body []byte, headers map[string]string) (int, map[string]any, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m, string(b)
}

// sendStripe signs as Stripe does, with stripe-go's own signing.
func sendStripe(t *testing.T, ts *httptest.Server, body []byte) (int, map[string]any, string) {
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: payloadsStripe, Timestamp: time.Now()})
	return postJSON(t, ts.URL+"/webhooks/stripe", body, map[string]string{"Stripe-Signature": sp.Header})
}

// sendShopify signs as Shopify does: base64 HMAC-SHA256 of the raw body.
func sendShopify(t *testing.T, ts *httptest.Server, topic string, body []byte) (int, map[string]any, string) {
	m := hmac.New(sha256.New, []byte(payloadsShopify))
	m.Write(body)
	return postJSON(t, ts.URL+"/webhooks/shopify", body, map[string]string{"X-Shopify-Topic": topic,
		"X-Shopify-Hmac-Sha256": base64.StdEncoding.EncodeToString(m.Sum(nil))})
}

func janeSum(t *testing.T, srv *devserver.Server) int64 {
	t.Helper()
	es, err := srv.Store.Entries(context.Background(), "jane", time.Unix(0, 0), time.Now().AddDate(5, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return ledger.Sum(es)
}

// Stripe's own event objects (events/stripe, from stripe-mock's fixtures)
// through the dev server: the paid session, half its money refunded, and a
// subscription's first invoice (2025 API versions: its subscription under
// parent.subscription_details), each earning what SPEC 10 says.
func TestStripePayloadsEarn(t *testing.T) {
	item := map[string]any{"id": "li_1", "object": "item", "quantity": 1, "currency": "usd", "amount_subtotal": 9700,
		"amount_discount": 0, "amount_tax": 776, "amount_total": 10476, "description": "Summit recordings",
		"price": map[string]any{"id": "price_rec", "object": "price", "lookup_key": "SUM26-REC", "currency": "usd",
			"product": map[string]any{"id": "prod_rec", "object": "product", "metadata": map[string]any{}}}}
	var click string
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		list := func(data ...any) {
			_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "has_more": false, "url": r.URL.Path, "data": data})
		}
		q := r.URL.Query()
		switch {
		case r.URL.Path == "/v1/checkout/sessions/cs_test_a1summit/line_items":
			list(item)
		case r.URL.Path == "/v1/checkout/sessions" && q.Get("payment_intent") == "pi_3SummitPaid":
			list(map[string]any{"id": "cs_test_a1summit", "object": "checkout.session", "mode": "payment", "created": 1793717900, "metadata": map[string]any{}})
		case r.URL.Path == "/v1/checkout/sessions" && q.Get("subscription") == "sub_1Monthly":
			list(map[string]any{"id": "cs_test_sub", "object": "checkout.session", "mode": "subscription", "created": 1793717900,
				"client_reference_id": click, "metadata": map[string]any{}})
		case r.URL.Path == "/v1/prices/price_1Monthly":
			_ = json.NewEncoder(w).Encode(map[string]any{"id": "price_1Monthly", "object": "price", "lookup_key": "SUM26-REC", "currency": "usd",
				"product": map[string]any{"id": "prod_1Monthly", "object": "product", "metadata": map[string]any{}}})
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"type":"invalid_request_error","message":"no such object"}}`)
		}
	})
	srv, ts, keys := payloadServer(t, "USD", api)
	click = clicktoken.StripeForm(keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "summit-2026", At: time.Unix(1793718000, 0).Add(-time.Hour)}))

	status, _, raw := sendStripe(t, ts, payload(t, "stripe", "checkout.session.completed", map[string]any{"client_reference_id": click}, "data", "object"))
	if want := `{"order_id":"stripe:cs_test_a1summit","referred_by":"jane","commissions":[{"affiliate":"jane","sku":"SUM26-REC","type":"referral","amount_cents":4850}],"warnings":[]}`; status != 200 || raw != want {
		t.Fatalf("session: %d\n%s\nwant\n%s", status, raw, want)
	}
	// 52.38 of 104.76 refunded: half of 4850 taken back.
	if status, _, raw := sendStripe(t, ts, payload(t, "stripe", "charge.refunded", nil)); status != 200 || janeSum(t, srv) != 4850-2425 {
		t.Errorf("refund: %d %s; jane has %d", status, raw, janeSum(t, srv))
	}
	status, m, raw := sendStripe(t, ts, payload(t, "stripe", "invoice.paid", nil))
	if status != 200 || m["referred_by"] != "jane" || janeSum(t, srv) != 4850-2425+1000 {
		t.Errorf("invoice: %d %s; jane has %d", status, raw, janeSum(t, srv))
	}
}

// Shopify's payloads (events/shopify): a draft order as Shopify delivered
// it, with its discounts in discount_allocations (99.00 sold for 79.90,
// 100.00 for 85.00), shipping, email "" and customer null, in an HKD shop;
// and Shopify's documented refund of shipping only, which gives back
// nothing of the lines.
func TestShopifyPayloadsEarn(t *testing.T) {
	srv, ts, keys := payloadServer(t, "HKD", http.NotFoundHandler())
	click := keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "summit-2026", At: time.Date(2025, 1, 23, 12, 0, 0, 0, time.UTC)})
	order := payload(t, "shopify", "orders-paid-draft-discounts", map[string]any{"note_attributes": []any{map[string]any{"name": "tally_click", "value": click}}})
	status, _, raw := sendShopify(t, ts, "orders/paid", order)
	want := `{"order_id":"shopify:6200407294252","referred_by":"jane","commissions":[` +
		`{"affiliate":"jane","sku":"SUM26-REC","type":"referral","amount_cents":3995},` +
		`{"affiliate":"jane","sku":"RET26-TRN","type":"referral","amount_cents":4250}],"warnings":["coupon code \"0124D\" is unknown (ignored)"]}`
	if status != 200 || raw != want {
		t.Fatalf("%d\n%s\nwant\n%s", status, raw, want)
	}
	if got := janeSum(t, srv); got != 3995+4250 {
		t.Errorf("jane has %d", got)
	}
	// Shopify's documented refund is of a USD shop's order.
	_, usd, _ := payloadServer(t, "USD", http.NotFoundHandler())
	if status, m, raw := sendShopify(t, usd, "refunds/create", payload(t, "shopify", "refunds-create-shipping-only", nil)); status != 200 || m["ignored"] != "refunds/create" {
		t.Errorf("shipping only: %d %s", status, raw)
	}
}
