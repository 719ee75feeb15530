package shopifyhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/clicktoken"
	"github.com/tallyhq/tally/shared/ledger"
	"github.com/tallyhq/tally/shared/shopifyhook"
	"github.com/tallyhq/tally/shared/store"
)

const (
	clickKey  = "test-click-key-0123456789abcdef0123456789"
	secretOld = "shpss_old_0123456789"
	secretNew = "shpss_new_0123456789"
)

var processedAt = time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)

type env struct {
	st   *store.Store
	h    apigw.Handler
	keys *clicktoken.Keys
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := dynamodb.New(dynamotest.Client(t).Options())
	st := store.New(db, dynamotest.NewTable(t, db))
	dynamotest.Load(t, st, demo.Program())
	var logw io.Writer = io.Discard
	if testing.Verbose() {
		logw = os.Stderr
	}
	d := app.New(app.Config{Table: st.Table, ClickKey: clickKey, ProgramTTL: time.Hour, ShopifySecrets: secretNew + " " + secretOld}, db,
		slog.New(slog.NewJSONHandler(logw, nil)))
	keys, _ := clicktoken.NewKeys([]byte(clickKey))
	return &env{st: st, h: shopifyhook.Webhook(d), keys: keys}
}

// body is a testdata payload (Shopify's documented webhook shapes) with
// top-level fields changed.
func body(t *testing.T, file string, set map[string]any) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + file + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range set {
		b, _ := json.Marshal(v)
		m[k] = b
	}
	b, _ := json.Marshal(m)
	return b
}

// hmacOf is Shopify's signature, computed here independently of the
// package: base64 HMAC-SHA256 of the raw body.
func hmacOf(secret string, b []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(b)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (e *env) sendSigned(t *testing.T, topic string, b []byte, sig string) (int, map[string]any, string) {
	t.Helper()
	req := apigw.Request{RouteKey: "POST /webhooks/shopify", RawPath: "/webhooks/shopify", Body: string(b),
		Headers: map[string]string{"x-shopify-topic": topic, "x-shopify-hmac-sha256": sig, "content-type": "application/json"}}
	resp, err := e.h(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &m)
	return resp.StatusCode, m, resp.Body
}

func (e *env) send(t *testing.T, topic string, b []byte) (int, map[string]any, string) {
	return e.sendSigned(t, topic, b, hmacOf(secretNew, b))
}

func (e *env) ledger(t *testing.T, aff string) []ledger.Entry {
	es, err := e.st.Entries(context.Background(), aff, time.Unix(0, 0), processedAt.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func (e *env) click() string {
	return e.keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "summit-2026", At: processedAt.Add(-time.Hour)})
}

func code(m map[string]any) any {
	if e, ok := m["error"].(map[string]any); ok {
		return e["code"]
	}
	return nil
}

func TestOrdersPaid(t *testing.T) {
	e := newEnv(t)
	b := body(t, "orders-paid", map[string]any{"note_attributes": []any{
		map[string]any{"name": "gift_message", "value": "for Pat"}, map[string]any{"name": "tally_click", "value": e.click()}}})
	status, _, first := e.send(t, "orders/paid", b)
	want := `{"order_id":"shopify:820982911946154508","referred_by":"jane","commissions":[` +
		`{"affiliate":"jane","sku":"SUM26-REC","type":"referral","amount_cents":4850},` +
		`{"affiliate":"jane","sku":"RET26-TRN","type":"referral","amount_cents":4230}],` +
		`"warnings":["unknown SKU \"808950812\": recorded as kind other, no commission"]}`
	if status != 200 || first != want {
		t.Fatalf("%d\n%s\nwant\n%s", status, first, want)
	}
	o, err := e.st.GetTxn(context.Background(), store.TxnKey("shopify:820982911946154508"))
	if err != nil || o.PaidCents != 19476 || !o.OccurredAt.Equal(processedAt) || len(o.Lines) != 3 || o.Lines[1].UnitPriceCents != 4230 {
		t.Errorf("order %+v %v", o, err)
	}
	if status, _, again := e.send(t, "orders/paid", b); status != 200 || again != first {
		t.Errorf("redelivery: %d %s", status, again)
	}
	if es := e.ledger(t, "jane"); len(es) != 2 || es[0].Via != ledger.ViaClick {
		t.Errorf("ledger %+v", es)
	}
}

// The click from landing_site when the cart has no attribute; the buyer's
// email from customer when the order has none.
func TestClickFromLandingSite(t *testing.T) {
	e := newEnv(t)
	b := body(t, "orders-paid", map[string]any{"id": 1002, "email": "", "landing_site": "/products/summit?utm_source=x&tally_click=" + clicktoken.StripeForm(e.click())})
	status, m, raw := e.send(t, "orders/paid", b)
	if status != 200 || m["referred_by"] != "jane" {
		t.Fatalf("%d %s", status, raw)
	}
}

func TestAmountsAreExact(t *testing.T) {
	e := newEnv(t)
	lines := func(price, discount string) []any {
		return []any{map[string]any{"id": 1, "sku": "SUM26-REC", "variant_id": 2, "quantity": 1, "price": price, "total_discount": discount}}
	}
	// Authentic but not applicable: 200, kept as unapplied (SPEC 10), so
	// Shopify does not retry what cannot change.
	for _, c := range []struct {
		name  string
		set   map[string]any
		code  string
		field string
	}{
		{"a price with a third decimal", map[string]any{"line_items": lines("97.001", "0.00")}, "invalid_field", "line_items[0].price"},
		{"a discount in exponent notation", map[string]any{"line_items": lines("97.00", "1e1")}, "invalid_field", "line_items[0].total_discount"},
		{"a total that is not a number", map[string]any{"total_price": "about 100"}, "invalid_field", "total_price"},
		{"yen with cents", map[string]any{"currency": "JPY", "total_price": "100.5"}, "invalid_field", "total_price"},
		{"another currency than the program's", map[string]any{"id": 9, "currency": "EUR"}, "currency_mismatch", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, m, raw := e.send(t, "orders/paid", body(t, "orders-paid", c.set))
			if status != 200 || m["unapplied"] != c.code || !strings.Contains(raw, c.field) {
				t.Fatalf("%d %s", status, raw)
			}
		})
	}
	if es := e.ledger(t, "jane"); len(es) != 0 {
		t.Errorf("wrote %d entries", len(es))
	}
}

func TestRefunds(t *testing.T) {
	e := newEnv(t)
	refund := body(t, "refunds-create", nil)
	// The refund before its order: not applied (kept for the owner), then
	// recorded on redelivery.
	if status, m, raw := e.send(t, "refunds/create", refund); status != 200 || m["unapplied"] != "order_not_found" {
		t.Fatalf("%d %s", status, raw)
	}
	order := body(t, "orders-paid", map[string]any{"note_attributes": []any{map[string]any{"name": "tally_click", "value": e.click()}}})
	if status, _, raw := e.send(t, "orders/paid", order); status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	status, _, raw := e.send(t, "refunds/create", refund)
	want := `{"refund_id":"shopify:509562969","order_id":"shopify:820982911946154508","clawbacks":[{"affiliate":"jane","sku":"RET26-TRN","type":"clawback","amount_cents":-2115}],"warnings":[]}`
	if status != 200 || raw != want {
		t.Fatalf("%d\n%s\nwant\n%s", status, raw, want)
	}
	// The discounted line's money refunded: round(8460 × 1/2).
	for _, x := range e.ledger(t, "jane") {
		if x.Type == ledger.TypeClawback && (x.BasisCents != 4230 || x.Quantity != 1) {
			t.Errorf("clawback %+v", x)
		}
	}
	if status, _, again := e.send(t, "refunds/create", refund); status != 200 || again != raw {
		t.Errorf("redelivery %d %s", status, again)
	}

	// Money only, by the amount rule (A = 194.76), then a refund with line
	// items of the same order: by money too, so the rule keeps adding up.
	money := body(t, "refunds-create", map[string]any{"id": 2, "refund_line_items": []any{}, "transactions": []any{
		map[string]any{"kind": "refund", "status": "success", "amount": "97.38", "currency": "USD"},
		map[string]any{"kind": "refund", "status": "failure", "amount": "50.00", "currency": "USD"}}})
	status, _, raw = e.send(t, "refunds/create", money)
	// SUM26-REC: round(4850 × 9738/19476) = 2425; RET26-TRN: round(4230 ×
	// 9738/19476) = 2115, all that the unit refund left of it.
	want = `{"refund_id":"shopify:2","order_id":"shopify:820982911946154508","clawbacks":[` +
		`{"affiliate":"jane","sku":"SUM26-REC","type":"clawback","amount_cents":-2425},` +
		`{"affiliate":"jane","sku":"RET26-TRN","type":"clawback","amount_cents":-2115}],"warnings":[]}`
	if status != 200 || raw != want {
		t.Fatalf("%d\n%s\nwant\n%s", status, raw, want)
	}
	rest := body(t, "refunds-create", map[string]any{"id": 3, "transactions": []any{
		map[string]any{"kind": "refund", "status": "success", "amount": "97.38", "currency": "USD"}}})
	if status, _, raw := e.send(t, "refunds/create", rest); status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	if got := ledger.Sum(e.ledger(t, "jane")); got != 0 {
		t.Errorf("after everything was refunded jane has %d", got)
	}
	more := body(t, "refunds-create", map[string]any{"id": 4, "refund_line_items": []any{}, "transactions": []any{
		map[string]any{"kind": "refund", "status": "success", "amount": "0.01", "currency": "USD"}}})
	if status, m, raw := e.send(t, "refunds/create", more); status != 200 || m["unapplied"] != "over_refund" {
		t.Errorf("%d %s", status, raw)
	}
}

func TestSignaturesAndTopics(t *testing.T) {
	e := newEnv(t)
	b := body(t, "orders-paid", nil)
	for _, c := range []struct {
		name, sig string
		status    int
	}{
		{"no header", "", 401},
		{"another secret", hmacOf("shpss_someone_else", b), 401},
		{"hex, not base64", "ab12", 401},
		{"another body", hmacOf(secretNew, append(b, ' ')), 401},
		{"the old secret during a rotation", hmacOf(secretOld, b), 200},
	} {
		if status, _, raw := e.sendSigned(t, "orders/paid", b, c.sig); status != c.status {
			t.Errorf("%s: %d %s", c.name, status, raw)
		}
	}
	if status, m, raw := e.send(t, "orders/create", b); status != 200 || m["ignored"] != "orders/create" {
		t.Errorf("other topic: %d %s", status, raw)
	}
}

func TestConcurrentDuplicates(t *testing.T) {
	e := newEnv(t)
	b := body(t, "orders-paid", map[string]any{"note_attributes": []any{map[string]any{"name": "tally_click", "value": e.click()}}})
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, raw := e.send(t, "orders/paid", b)
			if status != http.StatusOK {
				t.Errorf("%d %s", status, raw)
			}
			got[i] = raw
		}()
	}
	wg.Wait()
	for _, g := range got {
		if g != got[0] {
			t.Fatalf("answers differ: %s / %s", g, got[0])
		}
	}
	if es := e.ledger(t, "jane"); len(es) != 2 {
		t.Errorf("%d entries", len(es))
	}
}
