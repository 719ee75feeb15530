package webhooks_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tallyhq/tally/infra/apptest"
	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/eventfile"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
	"github.com/tallyhq/tally/shared/web/apigw"
)

const clickKey = apptest.ClickKey

var (
	secret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("test-webhook-secret-0123456789"))
	now    = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
)

type env struct {
	st     *store.Store
	p      *program.Program
	orders apigw.Handler
	optins apigw.Handler
	meter  *dynamometer.Meter
	keys   *clicktoken.Keys
}

func newEnv(t testing.TB) *env { return newEnvWith(t, demo.Program()) }

func newEnvWith(t testing.TB, prog *program.Program) *env {
	t.Helper()
	a := apptest.New(t, apptest.Program(prog), apptest.Config(withSecret), apptest.Clock(func() time.Time { return now }), apptest.Warm())
	return &env{st: a.Store, p: a.Program, orders: webhooks.Orders(a.Deps), optins: webhooks.OptIns(a.Deps), meter: a.Meter, keys: a.Keys}
}

func withSecret(c *app.Config) { c.WebhookSecrets = secret }

// signed builds the sample event with a body signed by the scheme's
// reference implementation.
func signed(t testing.TB, fixture, body string) apigw.Request {
	t.Helper()
	req := eventfile.Load(t, fixture)
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("msg_%d", time.Now().UnixNano())
	sig, err := wh.Sign(id, now, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Headers["webhook-id"] = id
	req.Headers["webhook-timestamp"] = fmt.Sprint(now.Unix())
	req.Headers["webhook-signature"] = sig
	req.Body = body
	return req
}

func (e *env) send(t testing.TB, h apigw.Handler, fixture, body string) (int, map[string]any, string) {
	t.Helper()
	resp, err := h(context.Background(), signed(t, fixture, body))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &m)
	return resp.StatusCode, m, resp.Body
}

func (e *env) order(t testing.TB, body string) (int, map[string]any, string) {
	return e.send(t, e.orders, "webhook-orders", body)
}

func (e *env) ledger(t testing.TB, aff string) []ledger.Entry {
	t.Helper()
	es, err := e.st.Entries(context.Background(), aff, time.Unix(0, 0), now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func sum(es []ledger.Entry) int64 { return ledger.Sum(es) }

func paid(id, email, extra string, items ...string) string {
	return fmt.Sprintf(`{"id":%q,"type":"order.paid","occurred_at":"2026-11-03T15:00:00Z","currency":"USD","contact":{"email":%q}%s,"items":[%s]}`,
		id, email, extra, strings.Join(items, ","))
}

func item(sku string, q, price int) string {
	return fmt.Sprintf(`{"sku":%q,"quantity":%d,"unit_price_cents":%d}`, sku, q, price)
}

// Every bad input gets its status and code, and nothing is written.
func TestBadInputWritesNothing(t *testing.T) {
	e := newEnv(t)
	if code, _, _ := e.order(t, paid("order-ok", "pat@example.org", `,"affiliate":"jane"`, item("SUM26-REC", 2, 9700))); code != 200 {
		t.Fatal("setup order failed")
	}
	big := paid("big", "a@b.c", "", item("SUM26-REC", 1, 1)) + strings.Repeat(" ", 257<<10)
	cases := []struct {
		name, body string
		status     int
		code       string
		field      string
	}{
		{"over 256 KB", big, 413, "too_large", ""},
		{"malformed JSON", `{"id": "x",`, 400, "invalid_json", ""},
		{"not an object", `[1,2]`, 400, "invalid_json", ""},
		{"a key twice", paid("d1", "a@b.c", `,"affiliate":"jane","affiliate":"bob"`, item("SUM26-REC", 1, 1)), 400, "invalid_json", ""},
		{"a key twice in the contact", strings.Replace(paid("d2", "a@b.c", "", item("SUM26-REC", 1, 1)), `"contact":{`, `"contact":{"email":"x@y.z",`, 1), 400, "invalid_json", ""},
		{"a key twice in a line", paid("d3", "a@b.c", "", `{"sku":"SUM26-REC","quantity":1,"quantity":5,"unit_price_cents":1}`), 400, "invalid_json", ""},
		{"a brace after the object", paid("d4", "a@b.c", "", item("SUM26-REC", 1, 1)) + "}", 400, "invalid_json", ""},
		{"a second object", paid("d5", "a@b.c", "", item("SUM26-REC", 1, 1)) + `{"id":"d5"}`, 400, "invalid_json", ""},
		{"missing id", `{"type":"order.paid","occurred_at":"2026-11-03T15:00:00Z","currency":"USD","contact":{"email":"a@b.c"},"items":[` + item("SUM26-REC", 1, 1) + `]}`, 400, "invalid_field", "id"},
		{"unknown type", strings.Replace(paid("t1", "a@b.c", ""), "order.paid", "order.shipped", 1), 400, "invalid_field", "type"},
		{"empty items", paid("t2", "a@b.c", ""), 400, "invalid_field", "items"},
		{"quantity below 1", paid("t3", "a@b.c", "", item("SUM26-REC", 0, 100)), 400, "invalid_field", "items[0].quantity"},
		{"negative price", paid("t4", "a@b.c", "", item("SUM26-REC", 1, -1)), 400, "invalid_field", "items[0].unit_price_cents"},
		{"ill-typed quantity", strings.Replace(paid("t5", "a@b.c", "", item("SUM26-REC", 1, 1)), `"quantity":1`, `"quantity":"1"`, 1), 400, "invalid_field", "items[0].quantity"},
		{"a SKU twice", paid("t6", "a@b.c", "", item("SUM26-REC", 1, 1), item("SUM26-REC", 1, 1)), 400, "invalid_field", "items[1].sku"},
		{"missing email", strings.Replace(paid("t7", "", "", item("SUM26-REC", 1, 1)), `"email":""`, `"name":"x"`, 1), 400, "invalid_field", "contact.email"},
		{"bad occurred_at", strings.Replace(paid("t8", "a@b.c", "", item("SUM26-REC", 1, 1)), "2026-11-03T15:00:00Z", "yesterday", 1), 400, "invalid_field", "occurred_at"},
		{"currency mismatch", strings.Replace(paid("t9", "a@b.c", "", item("SUM26-REC", 1, 1)), `"USD"`, `"EUR"`, 1), 422, "currency_mismatch", ""},
		{"same id, other payload", paid("order-ok", "pat@example.org", `,"affiliate":"jane"`, item("SUM26-REC", 3, 9700)), 409, "id_conflict", ""},
		{"refund of an unknown order", `{"id":"r1","type":"order.refunded","occurred_at":"2026-11-04T00:00:00Z","order_id":"nope"}`, 404, "order_not_found", ""},
		{"refund of more than was sold", `{"id":"r2","type":"order.refunded","occurred_at":"2026-11-04T00:00:00Z","order_id":"order-ok","items":[{"sku":"SUM26-REC","quantity":3}]}`, 422, "over_refund", ""},
		{"refund of a SKU not in the order", `{"id":"r3","type":"order.refunded","occurred_at":"2026-11-04T00:00:00Z","order_id":"order-ok","items":[{"sku":"RET26-TRN","quantity":1}]}`, 422, "over_refund", ""},
		{"refund without order_id", `{"id":"r4","type":"order.refunded","occurred_at":"2026-11-04T00:00:00Z"}`, 400, "invalid_field", "order_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.meter.Snapshot()
			status, body, _ := e.order(t, c.body)
			d := e.meter.Since(before)
			if status != c.status {
				t.Fatalf("status %d, want %d: %v", status, c.status, body)
			}
			errBody, _ := body["error"].(map[string]any)
			if errBody["code"] != c.code {
				t.Fatalf("code %v, want %s", errBody["code"], c.code)
			}
			if c.field != "" {
				f, _ := errBody["fields"].(map[string]any)
				if _, ok := f[c.field]; !ok {
					t.Errorf("fields %v lack %s", f, c.field)
				}
			}
			for _, op := range []string{"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"} {
				if d.Has(op) {
					t.Errorf("wrote with %s: %v", op, d)
				}
			}
		})
	}
	if es := e.ledger(t, "jane"); len(es) != 1 || es[0].AmountCents != 9700 {
		t.Errorf("jane's ledger changed: %+v", es)
	}
}

func TestBadSignatureIsRefusedAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	body := paid("o-sig", "a@b.c", `,"affiliate":"jane"`, item("SUM26-REC", 1, 9700))
	good := signed(t, "webhook-orders", body)
	for name, mutate := range map[string]func(*apigw.Request){
		"no signature": func(r *apigw.Request) { delete(r.Headers, "webhook-signature") },
		"altered body": func(r *apigw.Request) { r.Body = strings.Replace(r.Body, "9700", "9701", 1) },
		"other secret": func(r *apigw.Request) {
			r.Headers["webhook-signature"] = "v1," + base64.StdEncoding.EncodeToString(make([]byte, 32))
		},
		"stale timestamp":  func(r *apigw.Request) { r.Headers["webhook-timestamp"] = fmt.Sprint(now.Add(-6 * time.Minute).Unix()) },
		"future timestamp": func(r *apigw.Request) { r.Headers["webhook-timestamp"] = fmt.Sprint(now.Add(6 * time.Minute).Unix()) },
	} {
		req := good
		req.Headers = map[string]string{}
		for k, v := range good.Headers {
			req.Headers[k] = v
		}
		mutate(&req)
		before := e.meter.Snapshot()
		resp, _ := e.orders(context.Background(), req)
		if resp.StatusCode != 401 || !strings.Contains(resp.Body, `"bad_signature"`) || strings.Contains(resp.Body, "whsec") {
			t.Errorf("%s: %d %s", name, resp.StatusCode, resp.Body)
		}
		if d := e.meter.Since(before); d.Total() != 0 {
			t.Errorf("%s: %d requests", name, d.Total())
		}
	}
}

func TestReplayAnswersTheSameAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	body := paid("o-replay", "pat@example.org", `,"affiliate":"jane"`, item("SUM26-REC", 1, 9700), item("MYSTERY", 1, 500))
	status, first, raw := e.order(t, body)
	if status != 200 || first["referred_by"] != "jane" {
		t.Fatalf("%d %v", status, first)
	}
	if w, _ := first["warnings"].([]any); len(w) != 1 || !strings.Contains(w[0].(string), "MYSTERY") {
		t.Errorf("warnings %v", first["warnings"])
	}
	// Same JSON value, keys reordered and spaced: a replay.
	var v map[string]any
	json.Unmarshal([]byte(body), &v)
	reordered, _ := json.MarshalIndent(v, "", "   ")
	before := e.meter.Snapshot()
	status, _, raw2 := e.order(t, string(reordered))
	d := e.meter.Since(before)
	if status != 200 || raw2 != raw {
		t.Fatalf("replay: %d %s", status, raw2)
	}
	if d.WriteUnits != 0 || d.TxnWriteUnits != 0 || d.Total() != 1 {
		t.Errorf("replay cost %v (write units %v)", d, d.AWSWriteUnits())
	}
}

func TestConcurrentDeliveriesOfOneOrderRecordOnce(t *testing.T) {
	e := newEnv(t)
	body := paid("o-dup", "sam@example.org", `,"affiliate":"jane"`, item("SUM26-REC", 1, 9700), item("RET26-TRN", 1, 4700))
	var wg sync.WaitGroup
	bodies := make([]string, 50)
	codes := make([]int, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _, bodies[i] = e.order(t, body)
		}()
	}
	wg.Wait()
	for i := range 50 {
		if codes[i] != 200 || bodies[i] != bodies[0] {
			t.Fatalf("delivery %d: %d %s (first %s)", i, codes[i], bodies[i], bodies[0])
		}
	}
	es := e.ledger(t, "jane")
	if len(es) != 2 || sum(es) != 7200 {
		t.Fatalf("entries %d sum %d", len(es), sum(es))
	}
	stats, _ := e.st.Stats(context.Background(), "jane", "2026-11-01", "2026-11-30")
	if len(stats) != 1 || stats[0].Orders != 1 || stats[0].RevenueCents != 14400 {
		t.Fatalf("stats %+v", stats)
	}
}

func TestConcurrentOrdersLoseNoCounterUpdate(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, b, _ := e.order(t, paid(fmt.Sprintf("o-many-%d", i), fmt.Sprintf("p%d@example.org", i), `,"affiliate":"jane"`, item("SUM26-REC", 1, 9700))); code != 200 {
				t.Errorf("order %d: %d %v", i, code, b)
			}
		}()
	}
	wg.Wait()
	stats, _ := e.st.Stats(context.Background(), "jane", "2026-11-01", "2026-11-30")
	if len(stats) != 1 || stats[0].Orders != 50 || stats[0].RevenueCents != 50*9700 {
		t.Fatalf("stats %+v", stats)
	}
	if es := e.ledger(t, "jane"); len(es) != 50 || sum(es) != 50*4850 {
		t.Fatalf("ledger %d entries, sum %d", len(es), sum(es))
	}
}

func TestRefundInTwoHalvesOfAnOddCommission(t *testing.T) {
	e := newEnv(t)
	// kim: transcripts at 33.33%; 3 × 3333 = 9999 → 3333 earned (odd, and not divisible by 2 units' halves evenly).
	if code, b, _ := e.order(t, paid("o-odd", "k@example.org", `,"affiliate":"kim"`, item("GUT-TRN", 2, 1667))); code != 200 {
		t.Fatalf("%d %v", code, b)
	}
	earned := sum(e.ledger(t, "kim"))
	if earned%2 == 0 {
		t.Fatalf("want an odd commission, got %d", earned)
	}
	for i, id := range []string{"r-half-1", "r-half-2"} {
		code, b, _ := e.order(t, fmt.Sprintf(`{"id":%q,"type":"order.refunded","occurred_at":"2026-11-2%dT09:00:00Z","order_id":"o-odd","items":[{"sku":"GUT-TRN","quantity":1}]}`, id, i+1))
		if code != 200 {
			t.Fatalf("refund %d: %d %v", i, code, b)
		}
	}
	if s := sum(e.ledger(t, "kim")); s != 0 {
		t.Fatalf("after both halves the ledger sums to %d, want 0 (earned %d)", s, earned)
	}
	// Nothing is left to refund.
	if code, _, _ := e.order(t, `{"id":"r-half-3","type":"order.refunded","occurred_at":"2026-11-23T09:00:00Z","order_id":"o-odd"}`); code != 422 {
		t.Fatalf("refund of a fully refunded order: %d", code)
	}
}

func TestRefundWithoutItemsRefundsTheRest(t *testing.T) {
	e := newEnv(t)
	e.order(t, paid("o-rest", "r@example.org", `,"affiliate":"jane"`, item("SUM26-REC", 3, 9700), item("RET26-TRN", 1, 4700)))
	e.order(t, `{"id":"r-1","type":"order.refunded","occurred_at":"2026-11-04T09:00:00Z","order_id":"o-rest","items":[{"sku":"SUM26-REC","quantity":1}]}`)
	code, b, _ := e.order(t, `{"id":"r-2","type":"order.refunded","occurred_at":"2026-11-05T09:00:00Z","order_id":"o-rest"}`)
	if code != 200 || len(b["clawbacks"].([]any)) != 2 {
		t.Fatalf("%d %v", code, b)
	}
	if s := sum(e.ledger(t, "jane")); s != 0 {
		t.Fatalf("ledger sums to %d after a full refund", s)
	}
}

// Requests stay flat as lines grow; the figures are logged for the notes.
func TestOrderCostIsFlatInLines(t *testing.T) {
	// Every line writes two commissions, the most a line can.
	prog := demo.WideProgram()
	if err := prog.Index(); err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, prog)
	// A function's first order for an affiliate also writes the
	// affiliate's payee marker (a PutItem per earner, once per warm
	// function).
	before := e.meter.Snapshot()
	if code, b, _ := e.order(t, paid("o-first", "first@example.org", `,"affiliate":"jane"`, item("EXTRA-0", 1, 1000))); code != 200 {
		t.Fatalf("%d %v", code, b)
	}
	first := e.meter.Since(before)
	t.Logf("a function's first order for an affiliate: %d requests (%v)", first.Total(), first)
	cost := map[int]dynamometer.Counts{}
	for _, n := range []int{1, 3, 20} {
		var items []string
		for i := range n {
			items = append(items, item(fmt.Sprintf("EXTRA-%d", i), 1, 1000))
		}
		before := e.meter.Snapshot()
		if code, b, _ := e.order(t, paid(fmt.Sprintf("o-cost-%d", n), fmt.Sprintf("c%d@example.org", n), `,"affiliate":"jane"`, items...)); code != 200 {
			t.Fatalf("%d %v", code, b)
		}
		cost[n] = e.meter.Since(before)
		t.Logf("order of %d lines: %d requests (%v), %.0f write units at AWS rates", n, cost[n].Total(), cost[n], cost[n].AWSWriteUnits())
	}
	if cost[1].Total() != cost[20].Total() || cost[20].Total() > 3 {
		t.Errorf("requests grow with lines: 1 line %d, 20 lines %d", cost[1].Total(), cost[20].Total())
	}
	// Its line earns jane and the product's speaker: two markers.
	if first.Requests["PutItem"] != 2 || first.Total() != cost[1].Total()+2 {
		t.Errorf("the first order for two earners: %v, want a PutItem each (their markers) more than the next (%v)", first, cost[1])
	}
	before = e.meter.Snapshot()
	e.order(t, `{"id":"r-cost","type":"order.refunded","occurred_at":"2026-11-04T09:00:00Z","order_id":"o-cost-3"}`)
	d := e.meter.Since(before)
	t.Logf("refund of 3 lines: %d requests (%v), %.0f write units", d.Total(), d, d.AWSWriteUnits())
	before = e.meter.Snapshot()
	e.send(t, e.optins, "webhook-optins", `{"id":"oi-cost","occurred_at":"2026-11-03T14:00:00Z","event":"summit-2026","contact":{"email":"n@example.org"},"affiliate":"jane"}`)
	d = e.meter.Since(before)
	t.Logf("opt-in: %d requests (%v), %.0f write units", d.Total(), d, d.AWSWriteUnits())
}

func TestSampleEventsAreValidWebhooks(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		fixture string
		h       apigw.Handler
	}{{"webhook-optins", e.optins}, {"webhook-orders", e.orders}} {
		req := eventfile.Load(t, c.fixture)
		resp, _ := c.h(context.Background(), signed(t, c.fixture, req.Body))
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %s", c.fixture, resp.StatusCode, resp.Body)
		}
	}
}

// The Stripe form of a click token is the same token here too.
func TestStripeFormOfAClick(t *testing.T) {
	e := newEnv(t)
	tok := clicktoken.StripeForm(e.keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "summit-2026", At: time.Date(2026, 11, 3, 14, 0, 0, 0, time.UTC)}))
	status, m, raw := e.order(t, paid("o-sf", "sf@example.org", `,"click":"`+tok+`"`, `{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700}`))
	if status != http.StatusOK || m["referred_by"] != "jane" || strings.Contains(raw, "click token") {
		t.Fatalf("%d %s", status, raw)
	}
	if es := e.ledger(t, "jane"); len(es) != 1 || es[0].Via != ledger.ViaClick {
		t.Errorf("ledger %+v", es)
	}
}
