package webhooks_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/program"
)

// widest makes a name of exactly n bytes from a prefix.
func widest(prefix string, n int) string {
	return prefix + strings.Repeat("x", n-len(prefix))
}

// largestProgram has forty speaker products, each with the longest SKU a
// program allows and its own speaker, and a referrer enrolled in their event
// at a rate for speaker products: every line of an order earns two
// commissions, the most an order can write.
func largestProgram(t testing.TB) (*program.Program, string, []string) {
	t.Helper()
	event := widest("e-", 64)
	referrer := widest("r-", 32)
	var b strings.Builder
	fmt.Fprintf(&b, "currency: USD\nfallback_url: https://example.com/\nevents:\n  - {slug: %s, name: Event, url: https://example.com/e}\n", event)
	b.WriteString("plans:\n  - {id: p, rates_bp: {speaker_product: 5000}, speaker_rate_bp: 5000}\nproducts:\n")
	var skus []string
	for i := range 40 {
		sku := widest(fmt.Sprintf("S%02d-", i), 64)
		skus = append(skus, sku)
		fmt.Fprintf(&b, "  - {sku: %s, name: P, event: %s, kind: speaker_product, speaker: %s, price_cents: 1}\n", sku, event, widest(fmt.Sprintf("s%02d-", i), 32))
	}
	b.WriteString("affiliates:\n")
	fmt.Fprintf(&b, "  - {code: %s, name: R, email: r@example.com, plan: p, events: [%s]}\n", referrer, event)
	for i := range 40 {
		fmt.Fprintf(&b, "  - {code: %s, name: S, email: s%d@example.com, plan: p, events: [%s]}\n", widest(fmt.Sprintf("s%02d-", i), 32), i, event)
	}
	p, err := program.Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return p, referrer, skus
}

// The largest order the limits allow (40 lines earning two commissions
// each, every text field at its limit) is stored whole by DynamoDB Local,
// and so is its full refund (80 clawbacks in one transaction): the limits
// keep every valid webhook storable, so none can answer 500 forever.
func TestTheLargestValidOrderAndItsRefundFit(t *testing.T) {
	p, referrer, skus := largestProgram(t)
	e := newEnvWith(t, p)
	id := widest("order-", 200)
	email := widest("buyer-", 254-len("@example.org")) + "@example.org"
	var lines []string
	for _, sku := range skus {
		lines = append(lines, item(sku, 1_000_000, 25_000)) // 40 lines of 2.5×10^10: the order's total is its limit, 10^12
	}
	extra := fmt.Sprintf(`,"affiliate":%q,"click":%q`, referrer, widest("not-a-token-", 512))
	body := strings.Replace(paid(id, email, extra, lines...), `"contact":{`, fmt.Sprintf(`"contact":{"name":%q,`, widest("n", 200)), 1)
	code, m, _ := e.order(t, body)
	if code != 200 || len(m["commissions"].([]any)) != 80 {
		t.Fatalf("largest order: %d %v", code, m)
	}
	rec := dynamotest.RawItem(t, dynamotest.Client(t), e.st.Table, store.TxnKey(id))
	if rec == nil {
		t.Fatal("no order record")
	}
	t.Logf("the largest order's record is about %d bytes of DynamoDB's 400 KB", dynamometer.ItemSize(rec))
	refund := fmt.Sprintf(`{"id":%q,"type":"order.refunded","occurred_at":"2026-11-04T00:00:00Z","order_id":%q}`, widest("refund-", 200), id)
	code, m, _ = e.order(t, refund)
	if code != 200 || len(m["clawbacks"].([]any)) != 80 {
		t.Fatalf("full refund of the largest order: %d %v", code, m)
	}
	if es := e.ledger(t, referrer); len(es) != 80 || sum(es) != 0 {
		t.Fatalf("the referrer's ledger: %d entries, net %d", len(es), sum(es))
	}
}

// Forty unknown SKUs at the longest a shop may send: each is recorded, with
// a warning in the stored answer.
func TestTheLongestUnknownSKUsFit(t *testing.T) {
	e := newEnv(t)
	var lines []string
	for i := range 40 {
		lines = append(lines, item(widest(fmt.Sprintf("U%02d-", i), 255), 1, 100))
	}
	code, m, _ := e.order(t, paid(widest("o-", 200), "u@example.org", "", lines...))
	if code != 200 || len(m["warnings"].([]any)) != 40 {
		t.Fatalf("%d %v", code, m)
	}
}

// Every text field one byte over its limit is 400 invalid_field naming it,
// and nothing is written (exactly at the limit is the largest order above).
func TestTextFieldsOverTheirLimitsAreInvalid(t *testing.T) {
	e := newEnv(t)
	ok := item("SUM26-REC", 1, 100)
	over := func(n int) string { return widest("x", n+1) }
	for _, c := range []struct {
		field, body string
		optIn       bool
	}{
		{"id", paid(over(200), "a@b.c", "", ok), false},
		{"contact.email", paid("o1", over(254-len("@b.c"))+"@b.c", "", ok), false},
		{"contact.name", strings.Replace(paid("o2", "a@b.c", "", ok), `"contact":{`, fmt.Sprintf(`"contact":{"name":%q,`, over(200)), 1), false},
		{"affiliate", paid("o3", "a@b.c", fmt.Sprintf(`,"affiliate":%q`, over(64)), ok), false},
		{"click", paid("o4", "a@b.c", fmt.Sprintf(`,"click":%q`, over(512)), ok), false},
		{"currency", strings.Replace(paid("o5", "a@b.c", "", ok), `"USD"`, `"USDX"`, 1), false},
		{"items[0].sku", paid("o6", "a@b.c", "", item(over(255), 1, 100)), false},
		{"occurred_at", strings.Replace(paid("o7", "a@b.c", "", ok), "2026-11-03T15:00:00Z", over(64), 1), false},
		{"type", strings.Replace(paid("o8", "a@b.c", "", ok), "order.paid", over(32), 1), false},
		{"order_id", fmt.Sprintf(`{"id":"r1","type":"order.refunded","occurred_at":"2026-11-04T00:00:00Z","order_id":%q}`, over(200)), false},
		{"event", optInBody("i1", "a@b.c", over(64), ""), true},
	} {
		t.Run(c.field, func(t *testing.T) {
			before := e.meter.Snapshot()
			h, fixture := e.orders, "webhook-orders"
			if c.optIn {
				h, fixture = e.optins, "webhook-optins"
			}
			status, m, _ := e.send(t, h, fixture, c.body)
			errBody, _ := m["error"].(map[string]any)
			fields, _ := errBody["fields"].(map[string]any)
			if status != 400 || errBody["code"] != "invalid_field" || fields[c.field] == nil {
				t.Fatalf("%d %v", status, m)
			}
			if d := e.meter.Since(before); d.Has("TransactWriteItems") || d.Has("PutItem") || d.Has("UpdateItem") {
				t.Errorf("wrote: %v", d)
			}
		})
	}
}
