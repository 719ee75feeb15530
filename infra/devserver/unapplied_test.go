package devserver_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/checkout/shopifyhook"
)

// shopify delivers a webhook signed with the dev server's client secret.
func (x *tally) shopify(topic string, body []byte) (int, map[string]any, string) {
	x.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, x.ts.URL+"/webhooks/shopify", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(shopifyhook.HeaderTopic, topic)
	req.Header.Set(shopifyhook.HeaderHMAC, shopifyhook.Sign([]byte(x.srv.ShopifySecret), body))
	resp, err := x.client.Do(req)
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	x.tick()
	return resp.StatusCode, m, string(b)
}

// shopifyOrder is an orders/paid of one SUM26-REC at price, with a click.
func shopifyOrder(id int, currency, price, click string, at time.Time) []byte {
	return []byte(fmt.Sprintf(`{"id":%d,"email":"sam%d@example.org","currency":%q,"processed_at":%q,"total_price":%q,
"note_attributes":[{"name":"tally_click","value":%q}],
"line_items":[{"id":%d1,"sku":"SUM26-REC","variant_id":7,"quantity":1,"price":%q,"total_discount":"0.00"}]}`,
		id, id, currency, at.Format(time.RFC3339), price, click, id, price))
}

type checkoutEvents struct {
	Events []struct {
		Source, ID, Code, Message, At string
	} `json:"events"`
}

// jane's ledger entries for one order.
func (x *tally) entriesOf(order string) (n int, cents int64) {
	x.t.Helper()
	var led struct {
		Entries []struct {
			OrderID string `json:"order_id"`
			Amount  int64  `json:"amount_cents"`
		}
	}
	x.json("/reports/ledger", "dev-jane-key", &led)
	for _, e := range led.Entries {
		if e.OrderID == order {
			n++
			cents += e.Amount
		}
	}
	return n, cents
}

func (x *tally) unappliedCount() int {
	x.t.Helper()
	var o struct {
		N *int `json:"unapplied_checkout_events"`
	}
	x.json("/admin", owner, &o)
	if o.N == nil {
		x.t.Fatal("/admin has no unapplied_checkout_events")
	}
	return *o.N
}

// An authentic Shopify order Tally cannot apply answers 200 unapplied and
// writes nothing to the ledger; the owner sees it (page, JSON, CSV, the
// overview's count); a redelivery is the same one event; once the owner
// has fixed the cause, applying it again records the commission and takes
// it off the list.
func TestCheckoutEventsTallyCannotApplyAreKeptForTheOwner(t *testing.T) {
	x := start(t)
	click := x.click("/go/summit-2026/jane")
	if n := x.unappliedCount(); n != 0 {
		t.Fatalf("%d unapplied at start", n)
	}

	// 1. A price with a third decimal: not retried, not recorded.
	first := x.clock()
	bad := shopifyOrder(1001, "USD", "97.001", click, x.clock())
	for i := 0; i < 2; i++ { // Shopify delivers it again: the same one event
		status, m, raw := x.shopify("orders/paid", bad)
		if status != 200 || m["unapplied"] != "invalid_amount" || m["id"] != "shopify:order:1001" {
			t.Fatalf("delivery %d: %d %s", i+1, status, raw)
		}
	}
	if n, _ := x.entriesOf("shopify:1001"); n != 0 {
		t.Errorf("an unapplied order wrote %d ledger entries", n)
	}
	if tx, err := x.srv.Store.GetTxn(context.Background(), store.TxnKey("shopify:1001")); err != nil || tx != nil {
		t.Errorf("an unapplied order was recorded: %+v %v", tx, err)
	}

	// 2. An order in another currency than the program's.
	status, m, raw := x.shopify("orders/paid", shopifyOrder(1002, "EUR", "97.00", click, x.clock()))
	if status != 200 || m["unapplied"] != "currency_mismatch" {
		t.Fatalf("%d %s", status, raw)
	}

	// The owner's list, newest first, as JSON and CSV, and the count.
	var list checkoutEvents
	x.json("/admin/checkout-events", owner, &list)
	if len(list.Events) != 2 || list.Events[0].ID != "shopify:order:1002" || list.Events[1].ID != "shopify:order:1001" {
		t.Fatalf("list %+v", list.Events)
	}
	if e := list.Events[1]; e.Source != "shopify" || e.Code != "invalid_amount" || !strings.Contains(e.Message, "line_items[0].price") || e.At != first.Format(time.RFC3339) {
		t.Errorf("event %+v", e)
	}
	code, h, body := x.report("/admin/checkout-events?format=csv", owner, "")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if code != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" || err != nil || len(rows) != 3 ||
		strings.Join(rows[0], ",") != "source,id,code,message,at" || rows[1][1] != "shopify:order:1002" || rows[2][2] != "invalid_amount" {
		t.Errorf("CSV: %d %v %q", code, err, body)
	}
	if n := x.unappliedCount(); n != 2 {
		t.Errorf("overview counts %d unapplied, want 2", n)
	}
	if code, body := page(t, x, signIn(t, x, "accounts@example.com"), "/admin"); code != 200 || !strings.Contains(body, "2 checkout events not applied") || !strings.Contains(body, `href="/admin/checkout-events"`) {
		t.Errorf("overview page: %d, no count or link", code)
	}

	// 3. Applying the bad amount again fails again: kept, 422.
	if code, body := x.call("POST", "/admin/checkout-events/shopify:order:1001/retry", owner, "", ""); code != 422 || !strings.Contains(body, "invalid_amount") {
		t.Errorf("retry of what cannot change: %d %s", code, body)
	}

	// 4. The owner fixes the cause (the program's currency), then applies
	// the EUR order again: jane earns her commission, and it leaves the list.
	eur, err := program.Parse(bytes.Replace(demo.YAML, []byte("currency: USD"), []byte("currency: EUR"), 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.srv.Store.SaveProgram(context.Background(), eur, x.clock()); err != nil {
		t.Fatal(err)
	}
	x.srv.Deps.ProgramChanged()
	var res struct {
		Applied bool
		Answer  struct {
			OrderID    string  `json:"order_id"`
			ReferredBy *string `json:"referred_by"`
		}
	}
	x.ok(200, "POST", "/admin/checkout-events/shopify:order:1002/retry", owner, "", "", &res)
	if !res.Applied || res.Answer.OrderID != "shopify:1002" || res.Answer.ReferredBy == nil || *res.Answer.ReferredBy != "jane" {
		t.Errorf("retry: %+v", res)
	}
	if n, cents := x.entriesOf("shopify:1002"); n != 1 || cents != 4850 {
		t.Errorf("after the retry jane has %d entries of %d for the order, want 1 of 4850", n, cents)
	}
	x.json("/admin/checkout-events", owner, &list)
	if len(list.Events) != 1 || list.Events[0].ID != "shopify:order:1001" {
		t.Errorf("after the retry: %+v", list.Events)
	}
	if n := x.unappliedCount(); n != 1 {
		t.Errorf("overview counts %d, want 1", n)
	}
	if code, body := x.call("POST", "/admin/checkout-events/shopify:order:1002/retry", owner, "", ""); code != 404 {
		t.Errorf("second retry: %d %s", code, body)
	}
	// Shopify's own late redelivery now gets the recorded answer, and
	// neither a second commission nor a new unapplied event.
	if status, m, raw := x.shopify("orders/paid", shopifyOrder(1002, "EUR", "97.00", click, x.clock())); status != 200 || m["order_id"] != "shopify:1002" {
		t.Errorf("redelivery after the retry: %d %s", status, raw)
	}
	if n, _ := x.entriesOf("shopify:1002"); n != 1 {
		t.Errorf("redelivery made %d entries", n)
	}
	if n := x.unappliedCount(); n != 1 {
		t.Errorf("overview counts %d, want 1", n)
	}
	// A bad signature is still 401, and nothing is kept.
	req, _ := http.NewRequest(http.MethodPost, x.ts.URL+"/webhooks/shopify", bytes.NewReader(bad))
	req.Header.Set(shopifyhook.HeaderTopic, "orders/paid")
	req.Header.Set(shopifyhook.HeaderHMAC, shopifyhook.Sign([]byte("another secret"), bad))
	if resp, err := x.client.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("bad signature: %v %v", resp, err)
	}
}

// What a retry can fix is still a 5xx: a failed table call (even for a
// delivery that cannot be applied, when keeping it fails), and Stripe's
// refusal of the key, which also warns the owner on /admin.
func TestCheckoutAnswers5xxOnlyForWhatARetryCanFix(t *testing.T) {
	var mode atomic.Value
	mode.Store("forbidden")
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch mode.Load() {
		case "forbidden":
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"error":{"type":"invalid_request_error","message":"The provided key 'rk_test_***' does not have the required permissions for this endpoint."}}`)
		case "missing":
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such checkout.session: 'cs_test_fix'"}}`)
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "has_more": false, "url": r.URL.Path, "data": []any{
				map[string]any{"id": "li_1", "object": "item", "quantity": 1, "currency": "usd", "amount_subtotal": 9700, "amount_discount": 0,
					"amount_tax": 0, "amount_total": 9700, "price": map[string]any{"id": "price_1", "object": "price", "lookup_key": "SUM26-REC", "currency": "usd"}}}})
		}
	}))
	t.Cleanup(api.Close)
	x := startOpts(t, dynamotest.DynamoDBLocal, nil, func(o *devserver.Options) {
		o.StripeWebhookSecrets, o.StripeAPIKey, o.StripeAPIURL = stripeSecret, "rk_test_unapplied", api.URL
	})
	click := x.click("/go/summit-2026/jane")
	paid := fmt.Sprintf(`{"id":"evt_fix","object":"event","created":%d,"type":"checkout.session.completed",
		"data":{"object":{"id":"cs_test_fix","object":"checkout.session","mode":"payment","payment_status":"paid",
		"currency":"usd","amount_total":9700,"client_reference_id":%q,"metadata":{},"customer_details":{"email":"sam@example.org"}}}}`, x.clock().Unix(), click)
	send := func(body string) (int, string) {
		sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(body), Secret: stripeSecret})
		req, _ := http.NewRequest(http.MethodPost, x.ts.URL+"/webhooks/stripe", strings.NewReader(body))
		req.Header.Set("Stripe-Signature", sp.Header)
		resp, err := x.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// The key lacks a permission: 503 (Stripe delivers again), a warning
	// on /admin, and no unapplied event (Stripe's own retries will apply it).
	if code, body := send(paid); code != 503 || !strings.Contains(body, "stripe_key_refused") {
		t.Fatalf("key refused: %d %s", code, body)
	}
	var o struct {
		N        int                              `json:"unapplied_checkout_events"`
		Warnings []struct{ Code, Message string } `json:"checkout_warnings"`
	}
	x.json("/admin", owner, &o)
	if o.N != 0 || len(o.Warnings) != 1 || o.Warnings[0].Code != "stripe_key_refused" || !strings.Contains(o.Warnings[0].Message, "required permissions") {
		t.Errorf("overview after a refused key: %+v", o)
	}
	if code, body := page(t, x, signIn(t, x, "accounts@example.com"), "/admin"); code != 200 || !strings.Contains(body, "Stripe refused Tally&#39;s API key") {
		t.Errorf("overview page shows no warning: %d", code)
	}

	// Stripe says the session does not exist for this key: unapplied.
	mode.Store("missing")
	if code, body := send(paid); code != 200 || !strings.Contains(body, `"unapplied":"stripe_refused"`) || !strings.Contains(body, `"id":"stripe:evt_fix"`) {
		t.Fatalf("session missing: %d %s", code, body)
	}
	// The owner gives the right key; applying it again records jane's commission.
	mode.Store("ok")
	x.ok(200, "POST", "/admin/checkout-events/stripe:evt_fix/retry", owner, "", "", nil)
	if n, cents := x.entriesOf("stripe:cs_test_fix"); n != 1 || cents != 4850 {
		t.Errorf("after the retry: %d entries, %d cents", n, cents)
	}

	// The table fails: 5xx, for an order that could be applied and for one
	// that could only be kept.
	if _, err := app.LocalDynamoDB(x.srv.Endpoint).DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(x.srv.Store.Table)}); err != nil {
		t.Fatal(err)
	}
	if code, body := send(strings.ReplaceAll(paid, "evt_fix", "evt_later")); code < 500 {
		t.Errorf("a table failure answered %d %s", code, body)
	}
	if status, _, raw := x.shopify("orders/paid", shopifyOrder(2001, "USD", "1.001", click, x.clock())); status < 500 {
		t.Errorf("an unapplied delivery that could not be kept answered %d %s", status, raw)
	}
}
