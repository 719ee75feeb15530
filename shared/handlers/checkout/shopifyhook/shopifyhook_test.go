package shopifyhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/apptest"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/handlers/checkout/shopifyhook"
	"github.com/tallyhq/tally/shared/web/apigw"
)

const (
	clickKey  = apptest.ClickKey
	secretOld = "shpss_old_0123456789"
	secretNew = "shpss_new_0123456789"
)

var processedAt = time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)

type env struct {
	st    *store.Store
	h     apigw.Handler
	keys  *clicktoken.Keys
	meter *dynamometer.Meter
}

func newEnv(t *testing.T) *env {
	t.Helper()
	a := apptest.New(t, apptest.Config(func(c *app.Config) { c.ShopifySecrets = secretNew + " " + secretOld }))
	return &env{st: a.Store, h: shopifyhook.Webhook(a.Deps), keys: a.Keys, meter: a.Meter}
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
		`"warnings":["unknown SKU \"808950812\": recorded as kind other, no commission","coupon code \"RETREAT10\" is unknown (ignored)"]}`
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

// A malformed or over-precise amount is a delivery Shopify will send again
// unchanged: 422 invalid_amount naming the field (never 400, a retry loop),
// and nothing written.
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
		{"a price with a third decimal", map[string]any{"line_items": lines("97.001", "0.00")}, "invalid_amount", "line_items[0].price"},
		{"a discount in exponent notation", map[string]any{"line_items": lines("97.00", "1e1")}, "invalid_amount", "line_items[0].total_discount"},
		{"yen with cents", map[string]any{"currency": "JPY", "line_items": lines("100.5", "0")}, "invalid_amount", "line_items[0].price"},
		{"a currency its amounts are not in", map[string]any{"id": 9, "currency": "EUR"}, "invalid_amount", "shop_money is in USD"},
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

// commissionOn sends one order of the given lines (jane's click) and
// answers jane's commission on SUM26-REC.
func (e *env) commissionOn(t *testing.T, id int, set map[string]any) int64 {
	t.Helper()
	set["id"] = id
	set["note_attributes"] = []any{map[string]any{"name": "tally_click", "value": e.click()}}
	status, m, raw := e.send(t, "orders/paid", body(t, "orders-paid", set))
	if status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	var got int64
	for _, c := range m["commissions"].([]any) {
		c := c.(map[string]any)
		if c["sku"] == "SUM26-REC" {
			got += int64(c["amount_cents"].(float64))
		}
	}
	return got
}

// Shopify puts a checkout's discounts in discount_allocations and leaves
// total_discount at 0.00: a 99.00 line discounted to 79.90 earns on 79.90.
// When both say the same discount it counts once.
func TestDiscountsFromAllocations(t *testing.T) {
	e := newEnv(t)
	line := func(total string, alloc ...string) map[string]any {
		var as []any
		for _, a := range alloc {
			as = append(as, map[string]any{"amount": a, "discount_application_index": 0,
				"amount_set": map[string]any{"shop_money": map[string]any{"amount": a, "currency_code": "USD"}, "presentment_money": map[string]any{"amount": a, "currency_code": "USD"}}})
		}
		return map[string]any{"line_items": []any{map[string]any{"id": 1, "sku": "SUM26-REC", "variant_id": 2, "quantity": 1,
			"price": "99.00", "total_discount": total, "discount_allocations": as, "tax_lines": []any{}}}}
	}
	for _, c := range []struct {
		name string
		set  map[string]any
		want int64
	}{
		{"allocations, total_discount 0.00", line("0.00", "14.10", "5.00"), 3995},
		{"the same discount in both", line("19.10", "14.10", "5.00"), 3995},
		{"total_discount alone", line("19.10"), 3995},
		{"no discount", line("0.00"), 4950},
	} {
		if got := e.commissionOn(t, 100+len(c.name), c.set); got != c.want {
			t.Errorf("%s: jane earned %d, want %d", c.name, got, c.want)
		}
	}
}

// In a shop whose prices include tax, the line's tax comes off its basis:
// 120.00 including 20.00 VAT earns 50% of 100.00.
func TestTaxesIncludedShops(t *testing.T) {
	e := newEnv(t)
	set := map[string]any{"taxes_included": true, "line_items": []any{map[string]any{"id": 1, "sku": "SUM26-REC", "variant_id": 2,
		"quantity": 1, "price": "120.00", "total_discount": "0.00", "discount_allocations": []any{},
		"tax_lines": []any{map[string]any{"price": "20.00", "rate": 0.2, "title": "VAT"}}}}}
	if got := e.commissionOn(t, 201, set); got != 5000 {
		t.Errorf("taxes included: jane earned %d, want 5000", got)
	}
	o, _ := e.st.GetTxn(context.Background(), store.TxnKey("shopify:201"))
	if o == nil || o.PaidCents != 12000 {
		t.Errorf("the buyer paid 120.00 with its tax: %+v", o)
	}
	set["taxes_included"] = false
	if got := e.commissionOn(t, 202, set); got != 6000 {
		t.Errorf("taxes on top: jane earned %d, want 6000", got)
	}
}

// POS and some draft orders come with email "" and customer null: recorded,
// attributed by the click only, and no contact stored.
func TestOrdersWithoutEmail(t *testing.T) {
	e := newEnv(t)
	b := body(t, "orders-paid", map[string]any{"email": "", "contact_email": nil, "customer": nil,
		"note_attributes": []any{map[string]any{"name": "tally_click", "value": e.click()}}})
	status, m, raw := e.send(t, "orders/paid", b)
	if status != 200 || m["referred_by"] != "jane" || len(m["commissions"].([]any)) != 2 {
		t.Fatalf("%d %s", status, raw)
	}
	if c, err := e.st.GetContact(context.Background(), ""); err != nil || c != nil {
		t.Errorf("a contact with no email was stored: %+v %v", c, err)
	}
	// And with no click, nobody: no contact's attribution to read.
	b = body(t, "orders-paid", map[string]any{"id": 2, "email": "", "customer": nil})
	if status, m, raw := e.send(t, "orders/paid", b); status != 200 || m["referred_by"] != nil {
		t.Errorf("%d %s", status, raw)
	}
}

// Lines of one SKU are one line (their amounts summed); a line with
// neither sku nor variant_id is shopify-line:<id>, kind other.
func TestLineSKUs(t *testing.T) {
	e := newEnv(t)
	li := func(id int, sku string, variant any, price string) map[string]any {
		return map[string]any{"id": id, "sku": sku, "variant_id": variant, "quantity": 1, "price": price, "total_discount": "0.00", "tax_lines": []any{}}
	}
	b := body(t, "orders-paid", map[string]any{"note_attributes": []any{map[string]any{"name": "tally_click", "value": e.click()}},
		"line_items": []any{li(11, "SUM26-REC", 2, "97.00"), li(12, "", nil, "15.00"), li(13, "SUM26-REC", 2, "87.00")}})
	status, m, raw := e.send(t, "orders/paid", b)
	if status != 200 || !strings.Contains(raw, `unknown SKU \"shopify-line:12\"`) {
		t.Fatalf("%d %s", status, raw)
	}
	if cs := m["commissions"].([]any); len(cs) != 1 || cs[0].(map[string]any)["amount_cents"].(float64) != 9200 {
		t.Errorf("commissions %v", cs)
	}
	o, _ := e.st.GetTxn(context.Background(), store.TxnKey("shopify:820982911946154508"))
	if o == nil || len(o.Lines) != 2 || o.Lines[0].Quantity != 2 || o.SourceLines["11"] != "SUM26-REC" || o.SourceLines["13"] != "SUM26-REC" || o.SourceLines["12"] != "shopify-line:12" {
		t.Errorf("order %+v", o)
	}
}

// A checkout order costs what a native one does (SPEC 14): its one read
// (is it recorded?) also finds any refund that came first, so an order
// without one makes no request for them: the record's read, the contact's,
// and the transaction.
func TestAnOrderReadsNoPendingRefundsApart(t *testing.T) {
	e := newEnv(t)
	// The rules and the click's affiliate are read once, then cached.
	warm := body(t, "orders-paid", map[string]any{"id": 1, "email": "warm@example.org",
		"note_attributes": []any{map[string]any{"name": "tally_click", "value": e.click()}}})
	if status, _, raw := e.send(t, "orders/paid", warm); status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	order := body(t, "orders-paid", map[string]any{"note_attributes": []any{map[string]any{"name": "tally_click", "value": e.click()}}})
	before := e.meter.Snapshot()
	if status, _, raw := e.send(t, "orders/paid", order); status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	got := e.meter.Since(before).Requests
	want := map[string]int{"GetItem": 2, "TransactWriteItems": 1}
	if len(got) != len(want) || got["GetItem"] != 2 || got["TransactWriteItems"] != 1 {
		t.Fatalf("a Shopify order made %v, want %v (a native order's)", got, want)
	}
}

// An order and a refund of it that arrive together never miss each other:
// whichever is written first, the refund ends up applied once and nothing
// stays pending.
func TestAnOrderAndItsRefundAtOnce(t *testing.T) {
	e := newEnv(t)
	const n = 12
	var wg sync.WaitGroup
	for i := range n {
		order := body(t, "orders-paid", map[string]any{"id": 1000 + i, "email": fmt.Sprintf("p%d@example.org", i), "contact_email": fmt.Sprintf("p%d@example.org", i),
			"note_attributes": []any{map[string]any{"name": "tally_click", "value": e.click()}}})
		refund := body(t, "refunds-create", map[string]any{"id": 2000 + i, "order_id": 1000 + i})
		for _, d := range []struct {
			topic string
			b     []byte
		}{{"orders/paid", order}, {"refunds/create", refund}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if status, _, raw := e.send(t, d.topic, d.b); status != 200 && status != 202 {
					t.Errorf("%s: %d %s", d.topic, status, raw)
				}
			}()
		}
	}
	wg.Wait()
	clawbacks := map[string]int{}
	for _, x := range e.ledger(t, "jane") {
		if x.Type == ledger.TypeClawback {
			clawbacks[x.ID]++
		}
	}
	for i := range n {
		o, err := e.st.GetTxn(context.Background(), store.TxnKey(fmt.Sprintf("shopify:%d", 1000+i)))
		if err != nil || o == nil || o.Kind != "order" || len(o.Pending) != 0 {
			t.Errorf("order %d: %+v, %v", i, o, err)
		}
		r, err := e.st.GetTxn(context.Background(), store.TxnKey(fmt.Sprintf("shopify:%d", 2000+i)))
		if err != nil || r == nil || r.Kind != "refund" {
			t.Errorf("refund %d not applied: %+v, %v", i, r, err)
		}
	}
	if len(clawbacks) != n {
		t.Errorf("%d clawbacks for %d refunds", len(clawbacks), n)
	}
	for id, k := range clawbacks {
		if k != 1 {
			t.Errorf("clawback %s written %d times", id, k)
		}
	}
}

func TestRefunds(t *testing.T) {
	e := newEnv(t)
	refund := body(t, "refunds-create", nil)
	// The refund before its order: kept pending (202, also when delivered
	// again), applied when the order arrives, then answered as recorded.
	for range 2 {
		if status, m, raw := e.send(t, "refunds/create", refund); status != 202 || m["pending"] != "shopify:509562969" {
			t.Fatalf("%d %s", status, raw)
		}
	}
	if es := e.ledger(t, "jane"); len(es) != 0 {
		t.Fatalf("a pending refund wrote %+v", es)
	}
	order := body(t, "orders-paid", map[string]any{"note_attributes": []any{map[string]any{"name": "tally_click", "value": e.click()}}})
	if status, _, raw := e.send(t, "orders/paid", order); status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	if n := len(e.ledger(t, "jane")); n != 3 {
		t.Errorf("after the order: %d entries, want 2 commissions and the pending refund's clawback", n)
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
	// The money goes to the lines not wholly refunded, in proportion to
	// what is not yet refunded of each (paid, tax included): SUM26-REC
	// 10476, RET26-TRN 8460 − 4230, the poster 539; 9738 × 10476/15245 =
	// 6692 takes round(4850 × 6692/10476) = 3098, and 2702 on RET26-TRN
	// round(4230 × 2702/8460) = 1351.
	want = `{"refund_id":"shopify:2","order_id":"shopify:820982911946154508","clawbacks":[` +
		`{"affiliate":"jane","sku":"SUM26-REC","type":"clawback","amount_cents":-3098},` +
		`{"affiliate":"jane","sku":"RET26-TRN","type":"clawback","amount_cents":-1351}],"warnings":[]}`
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

// Money beyond what the buyer paid is applied up to it (every commission
// back exactly) and the refund is also listed for the owner as over_refund.
func TestRefundBeyondWhatWasPaid(t *testing.T) {
	e := newEnv(t)
	order := body(t, "orders-paid", map[string]any{"note_attributes": []any{map[string]any{"name": "tally_click", "value": e.click()}}})
	if status, _, raw := e.send(t, "orders/paid", order); status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	over := body(t, "refunds-create", map[string]any{"id": 5, "refund_line_items": []any{}, "transactions": []any{
		map[string]any{"kind": "refund", "status": "success", "amount": "500.00", "currency": "USD"}}})
	status, m, raw := e.send(t, "refunds/create", over)
	if status != 200 || len(m["clawbacks"].([]any)) == 0 {
		t.Fatalf("%d %s", status, raw)
	}
	if got := ledger.Sum(e.ledger(t, "jane")); got != 0 {
		t.Errorf("after a refund of more than was paid jane has %d", got)
	}
	evs, _, err := e.st.CheckoutEvents(context.Background(), time.Now())
	if err != nil || len(evs) != 1 || evs[0].Code != "over_refund" || !strings.Contains(evs[0].Message, "beyond what the buyer paid") {
		t.Fatalf("listed for the owner: %+v %v", evs, err)
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

// A refund's transactions are in the buyer's currency: one in the shop's
// is taken as it is, one in another currency is converted at the order's
// own presentment rate, and one Tally cannot convert is refused as
// currency_mismatch (never read as the shop's money), nothing written.
func TestRefundCurrencies(t *testing.T) {
	e := newEnv(t)
	click := []any{map[string]any{"name": "tally_click", "value": e.click()}}
	tx := func(amount, currency string) []any {
		return []any{map[string]any{"kind": "refund", "status": "success", "amount": amount, "currency": currency}}
	}
	// A USD shop; this order was shown in EUR: 194.76 USD was 180.00 EUR.
	order := body(t, "orders-paid", map[string]any{"note_attributes": click, "presentment_currency": "EUR",
		"total_price_set": map[string]any{"shop_money": map[string]any{"amount": "194.76", "currency_code": "USD"},
			"presentment_money": map[string]any{"amount": "180.00", "currency_code": "EUR"}}})
	if status, _, raw := e.send(t, "orders/paid", order); status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	yen := body(t, "refunds-create", map[string]any{"id": 7, "refund_line_items": []any{}, "transactions": tx("5000", "JPY")})
	if status, m, raw := e.send(t, "refunds/create", yen); status != 200 || m["unapplied"] != "currency_mismatch" {
		t.Errorf("yen on a USD order: %d %s", status, raw)
	}
	if es := e.ledger(t, "jane"); len(es) != 2 {
		t.Fatalf("the yen refund wrote: %+v", es)
	}
	// 90.00 EUR is 97.38 USD at the order's rate: half of what was paid.
	euro := body(t, "refunds-create", map[string]any{"id": 8, "refund_line_items": []any{}, "transactions": tx("90.00", "EUR")})
	status, _, raw := e.send(t, "refunds/create", euro)
	want := `{"refund_id":"shopify:8","order_id":"shopify:820982911946154508","clawbacks":[` +
		`{"affiliate":"jane","sku":"SUM26-REC","type":"clawback","amount_cents":-2425},` +
		`{"affiliate":"jane","sku":"RET26-TRN","type":"clawback","amount_cents":-2115}],"warnings":[]}`
	if status != 200 || raw != want {
		t.Errorf("%d\n%s\nwant\n%s", status, raw, want)
	}
}

// Shipping given back is not money of the lines: a refund of shipping only
// records nothing; a refund of lines and shipping counts the lines' part.
// Shopify tells one shipping refund twice (refund_shipping_lines and an
// order adjustment of kind shipping_refund): it comes off once.
func TestRefundOfShipping(t *testing.T) {
	e := newEnv(t)
	order := body(t, "orders-paid", map[string]any{"note_attributes": []any{map[string]any{"name": "tally_click", "value": e.click()}}})
	if status, _, raw := e.send(t, "orders/paid", order); status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	usd := func(a string) map[string]any {
		return map[string]any{"shop_money": map[string]any{"amount": a, "currency_code": "USD"}, "presentment_money": map[string]any{"amount": a, "currency_code": "USD"}}
	}
	shipping := map[string]any{
		"refund_shipping_lines": []any{map[string]any{"id": 1, "shipping_line_id": 2, "subtotal_amount_set": usd("5.00")}},
		"order_adjustments": []any{map[string]any{"id": 3, "kind": "shipping_refund", "reason": "Shipping refund", "amount": "-5.00",
			"tax_amount": "0.00", "amount_set": usd("-5.00"), "tax_amount_set": usd("0.00")}},
		"refund_line_items": []any{},
	}
	only := map[string]any{"id": 10, "transactions": []any{map[string]any{"kind": "refund", "status": "success", "amount": "5.00", "currency": "USD"}}}
	for k, v := range shipping {
		only[k] = v
	}
	if status, m, raw := e.send(t, "refunds/create", body(t, "refunds-create", only)); status != 200 || m["ignored"] != "refunds/create" {
		t.Errorf("shipping only: %d %s", status, raw)
	}
	both := map[string]any{"id": 11, "transactions": []any{
		map[string]any{"kind": "refund", "status": "success", "amount": "50.00", "currency": "USD"},
		map[string]any{"kind": "refund", "status": "success", "amount": "52.38", "currency": "USD"},
		map[string]any{"kind": "refund", "status": "failure", "amount": "9.99", "currency": "USD"}}}
	for k, v := range shipping {
		both[k] = v
	}
	status, _, raw := e.send(t, "refunds/create", body(t, "refunds-create", both))
	want := `{"refund_id":"shopify:11","order_id":"shopify:820982911946154508","clawbacks":[` +
		`{"affiliate":"jane","sku":"SUM26-REC","type":"clawback","amount_cents":-2425},` +
		`{"affiliate":"jane","sku":"RET26-TRN","type":"clawback","amount_cents":-2115}],"warnings":[]}`
	if status != 200 || raw != want {
		t.Errorf("%d\n%s\nwant\n%s", status, raw, want)
	}
}
