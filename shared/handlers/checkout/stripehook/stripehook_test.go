package stripehook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/tallyhq/tally/infra/apptest"
	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/affiliate/reports"
	"github.com/tallyhq/tally/shared/handlers/checkout/stripehook"
	"github.com/tallyhq/tally/shared/web/apigw"
)

const (
	clickKey  = apptest.ClickKey
	apiKey    = "rk_test_tally_read_only"
	secretOld = "whsec_old_0123456789abcdef"
	secretNew = "whsec_new_0123456789abcdef"
)

// The sample events' times: the session was paid at 2026-11-03T15:00:00Z.
var paidAt = time.Unix(1793718000, 0).UTC()

type env struct {
	st    *store.Store
	p     *program.Program
	h     apigw.Handler
	api   *recorded
	keys  *clicktoken.Keys
	meter *dynamometer.Meter
	d     *app.Deps
}

func newEnv(t *testing.T, apiURL string, prog *program.Program) *env {
	t.Helper()
	e := &env{}
	key := "sk_test_123" // what stripe-mock takes
	if apiURL == "" {
		key = apiKey
		e.api = newRecorded(t)
		apiURL = e.api.URL
	}
	a := apptest.New(t, apptest.Program(prog), apptest.Config(func(c *app.Config) {
		c.StripeWebhookSecrets, c.StripeAPIKey, c.StripeAPIURL = secretNew+" "+secretOld, key, apiURL
	}))
	e.st, e.p, e.meter, e.keys, e.d = a.Store, a.Program, a.Meter, a.Keys, a.Deps
	e.h = stripehook.Webhook(a.Deps)
	return e
}

// event is a testdata event (Stripe's shapes, from stripe-mock's fixtures)
// with its object's fields changed.
func event(t *testing.T, file, id string, created int64, obj map[string]any) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + file + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ev["id"], ev["created"] = id, created
	o := ev["data"].(map[string]any)["object"].(map[string]any)
	for k, v := range obj {
		o[k] = v
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sendAt delivers a body signed by stripe-go's own test helper.
func (e *env) sendAt(t *testing.T, body []byte, secret string, at time.Time) (int, map[string]any, string) {
	t.Helper()
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at})
	req := apigw.Request{RouteKey: "POST /webhooks/stripe", RawPath: "/webhooks/stripe",
		Headers: map[string]string{"stripe-signature": sp.Header, "content-type": "application/json; charset=utf-8"}, Body: string(body)}
	resp, err := e.h(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &m)
	return resp.StatusCode, m, resp.Body
}

func (e *env) send(t *testing.T, body []byte) (int, map[string]any, string) {
	return e.sendAt(t, body, secretNew, time.Now())
}

func (e *env) ledger(t *testing.T, aff string) []ledger.Entry {
	t.Helper()
	es, err := e.st.Entries(context.Background(), aff, time.Unix(0, 0), paidAt.AddDate(3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func (e *env) stats(t *testing.T, aff string) (orders, revenue int64) {
	t.Helper()
	ss, err := e.st.Stats(context.Background(), aff, "2026-01-01", "2029-12-31")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		orders, revenue = orders+s.Orders, revenue+s.RevenueCents
	}
	return orders, revenue
}

func (e *env) token(aff, event string, at time.Time) string {
	return clicktoken.StripeForm(e.keys.Sign(clicktoken.Claims{Affiliate: aff, Event: event, At: at}))
}

// The summit session: three lines over two pages. SUM26-REC by the price's
// lookup key, with tax; RET26-TRN by the product's metadata.tally_sku, with
// a 10% discount; a poster by the product's id (no such SKU), with tax.
const sessionID = "cs_test_a1summit"

var sessionTotal = int64(10476 + 8460 + 540)

func (e *env) recordSession(id string) {
	p1 := lineItem("li_1", price("price_rec", "SUM26-REC", product("prod_rec", ""), 9700), 1, 9700, 0, 776)
	p2 := lineItem("li_2", price("price_trn", "", product("prod_trn", "RET26-TRN"), 4700), 2, 9400, 940, 0)
	p3 := lineItem("li_3", price("price_poster", "", product("prod_poster", ""), 500), 1, 500, 0, 40)
	base := "/v1/checkout/sessions/" + id + "/line_items"
	e.api.set("GET "+base, list(base, true, p1, p2))
	e.api.set("GET "+base+"@li_2", list(base, false, p3))
}

func sessionEvent(t *testing.T, evt, typ string, obj map[string]any) []byte {
	t.Helper()
	b := event(t, "checkout.session.completed", evt, paidAt.Unix(), obj)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	m["type"] = typ
	b, _ = json.Marshal(m)
	return b
}

func TestPaidSessionIsAnOrder(t *testing.T) {
	e := newEnv(t, "", demo.Program())
	e.recordSession(sessionID)
	click := e.token("jane", "summit-2026", paidAt.Add(-time.Hour))
	body := sessionEvent(t, "evt_1", "checkout.session.completed", map[string]any{
		"id": sessionID, "client_reference_id": click, "amount_total": sessionTotal})

	status, _, first := e.send(t, body)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, first)
	}
	if err := has(e.api.take(),
		"GET /v1/checkout/sessions/"+sessionID+"/line_items?limit=100&expand[0]=data.price.product",
		"starting_after=li_2"); err != nil {
		t.Error(err)
	}
	want := `{"order_id":"stripe:cs_test_a1summit","referred_by":"jane","commissions":[` +
		`{"affiliate":"jane","sku":"SUM26-REC","type":"referral","amount_cents":4850},` +
		`{"affiliate":"jane","sku":"RET26-TRN","type":"referral","amount_cents":4230}],` +
		`"warnings":["unknown SKU \"prod_poster\": recorded as kind other, no commission"]}`
	if first != want {
		t.Errorf("answer\n%s\nwant\n%s", first, want)
	}
	bySKU := map[string]ledger.Entry{}
	for _, x := range e.ledger(t, "jane") {
		bySKU[x.SKU] = x
	}
	rec, trn := bySKU["SUM26-REC"], bySKU["RET26-TRN"]
	if len(bySKU) != 2 || rec.Via != ledger.ViaClick || rec.LinkEvent != "summit-2026" || !rec.At.Equal(paidAt) ||
		rec.BasisCents != 9700 || trn.BasisCents != 8460 || trn.Quantity != 2 || trn.Event != "retreat-2026" {
		t.Errorf("ledger %+v", bySKU)
	}
	// Revenue is before tax: every line's amount, whoever earns on it.
	if o, r := e.stats(t, "jane"); o != 1 || r != 9700+8460+500 {
		t.Errorf("link stats: %d orders, %d revenue", o, r)
	}

	// Delivered again, and as async_payment_succeeded: one order, the same answer.
	for i, b := range [][]byte{body, sessionEvent(t, "evt_2", "checkout.session.async_payment_succeeded", map[string]any{
		"id": sessionID, "client_reference_id": click, "amount_total": sessionTotal})} {
		if status, _, again := e.send(t, b); status != http.StatusOK || again != first {
			t.Errorf("delivery %d: %d %s", i+2, status, again)
		}
	}
	if es := e.ledger(t, "jane"); len(es) != 2 {
		t.Errorf("replays wrote entries: %d", len(es))
	}
	if o, _ := e.stats(t, "jane"); o != 1 {
		t.Errorf("replays counted %d orders", o)
	}
}

func TestSessionsThatRecordNothing(t *testing.T) {
	e := newEnv(t, "", demo.Program())
	for _, c := range []struct {
		name string
		body []byte
		want string
	}{
		{"unpaid (an async payment pending)", sessionEvent(t, "evt_u", "checkout.session.completed",
			map[string]any{"id": "cs_unpaid", "payment_status": "unpaid"}), "checkout.session.completed"},
		{"a subscription's session", sessionEvent(t, "evt_s", "checkout.session.completed",
			map[string]any{"id": "cs_sub", "mode": "subscription", "subscription": "sub_1"}), "checkout.session.completed"},
		{"an unknown event type", event(t, "charge.refunded", "evt_x", paidAt.Unix(), nil), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := c.body
			if c.want == "" {
				var m map[string]any
				_ = json.Unmarshal(body, &m)
				m["type"] = "customer.created"
				body, _ = json.Marshal(m)
				c.want = "customer.created"
			}
			status, m, raw := e.send(t, body)
			if status != http.StatusOK || m["ignored"] != c.want {
				t.Errorf("%d %s", status, raw)
			}
		})
	}
	if reqs := e.api.take(); len(reqs) != 0 {
		t.Errorf("asked Stripe %v", reqs)
	}
	if n := e.meter.Snapshot().Requests["TransactWriteItems"]; n != 0 {
		t.Errorf("%d writes", n)
	}
}

func TestSignatures(t *testing.T) {
	e := newEnv(t, "", demo.Program())
	e.recordSession(sessionID)
	body := sessionEvent(t, "evt_1", "checkout.session.completed", map[string]any{"id": sessionID, "amount_total": sessionTotal,
		"customer_details": map[string]any{"email": "pat@example.org"}})
	for _, c := range []struct {
		name   string
		secret string
		offset time.Duration // from the moment it is sent
		status int
	}{
		{"unknown secret", "whsec_someone_else", 0, 401},
		{"301 seconds old", secretNew, -301 * time.Second, 401},
		{"301 seconds in the future", secretNew, 301 * time.Second, 401},
		{"a year in the future", secretNew, 365 * 24 * time.Hour, 401},
		{"299 seconds in the future", secretNew, 299 * time.Second, 200},
		{"the old secret during a rotation", secretOld, -299 * time.Second, 200},
		{"the new secret", secretNew, 0, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			if status, _, raw := e.sendAt(t, body, c.secret, time.Now().Add(c.offset)); status != c.status {
				t.Errorf("%d %s", status, raw)
			}
		})
	}
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)-2] = ' '
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secretNew})
	for name, req := range map[string]apigw.Request{
		"no header":       {Body: string(body), Headers: map[string]string{}},
		"another body":    {Body: string(tampered), Headers: map[string]string{"stripe-signature": sp.Header}},
		"a v0 signature":  {Body: string(body), Headers: map[string]string{"stripe-signature": "t=1,v0=" + string(sp.Signature)}},
		"header mangled ": {Body: string(body), Headers: map[string]string{"stripe-signature": "garbage"}},
	} {
		resp, _ := e.h(context.Background(), req)
		if resp.StatusCode != 401 || !json.Valid([]byte(resp.Body)) {
			t.Errorf("%s: %d %s", name, resp.StatusCode, resp.Body)
		}
	}
}

func TestConcurrentDuplicates(t *testing.T) {
	e := newEnv(t, "", demo.Program())
	e.recordSession(sessionID)
	body := sessionEvent(t, "evt_1", "checkout.session.completed", map[string]any{
		"id": sessionID, "client_reference_id": e.token("jane", "summit-2026", paidAt.Add(-time.Hour)), "amount_total": sessionTotal})
	var wg sync.WaitGroup
	answers := make([]string, 8)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, raw := e.send(t, body)
			if status != http.StatusOK {
				t.Errorf("%d %s", status, raw)
			}
			answers[i] = raw
		}()
	}
	wg.Wait()
	for _, a := range answers {
		if a != answers[0] {
			t.Fatalf("answers differ:\n%s\n%s", a, answers[0])
		}
	}
	if es := e.ledger(t, "jane"); len(es) != 2 {
		t.Errorf("%d entries", len(es))
	}
	if o, _ := e.stats(t, "jane"); o != 1 {
		t.Errorf("%d orders", o)
	}
}

// A failed API call answers 5xx and writes nothing; Stripe's next delivery
// records the order.
func TestAPIFailureIsRetried(t *testing.T) {
	e := newEnv(t, "", demo.Program())
	e.recordSession(sessionID)
	e.api.fail("GET /v1/checkout/sessions/"+sessionID+"/line_items@li_2", true)
	body := sessionEvent(t, "evt_1", "checkout.session.completed", map[string]any{"id": sessionID, "amount_total": sessionTotal,
		"client_reference_id": e.token("jane", "summit-2026", paidAt.Add(-time.Hour))})
	if status, _, raw := e.send(t, body); status < 500 {
		t.Fatalf("%d %s", status, raw)
	}
	if n := e.meter.Snapshot().Requests["TransactWriteItems"]; n != 0 || len(e.ledger(t, "jane")) != 0 {
		t.Fatalf("wrote on a failed API call")
	}
	e.api.fail("GET /v1/checkout/sessions/"+sessionID+"/line_items@li_2", false)
	if status, _, raw := e.send(t, body); status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	if es := e.ledger(t, "jane"); len(es) != 2 {
		t.Errorf("%d entries", len(es))
	}
}

// Refunds of money by the amount rule, in any order of delivery.
func TestChargeRefunded(t *testing.T) {
	e := newEnv(t, "", demo.Program())
	e.recordSession(sessionID)
	e.api.set("GET /v1/checkout/sessions?payment_intent=pi_3SummitPaid", list("/v1/checkout/sessions", false,
		checkoutSession(sessionID, "payment", "", paidAt.Unix(), map[string]any{})))
	refund := func(evt string, total int64) []byte {
		return event(t, "charge.refunded", evt, paidAt.Add(48*time.Hour).Unix(), map[string]any{
			"amount": sessionTotal, "amount_captured": sessionTotal, "amount_refunded": total, "refunded": total == sessionTotal})
	}
	half := refund("evt_r1", sessionTotal/2)

	// The refund before its order: kept pending (202), applied when the
	// order arrives.
	if status, m, raw := e.send(t, half); status != 202 || m["pending"] != "stripe:evt_r1" {
		t.Fatalf("%d %s", status, raw)
	}
	order := sessionEvent(t, "evt_1", "checkout.session.completed", map[string]any{"id": sessionID, "amount_total": sessionTotal,
		"client_reference_id": e.token("jane", "summit-2026", paidAt.Add(-time.Hour))})
	if status, _, raw := e.send(t, order); status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	e.api.take()
	status, _, raw := e.send(t, half)
	want := `{"refund_id":"stripe:evt_r1","order_id":"stripe:cs_test_a1summit","clawbacks":[` +
		`{"affiliate":"jane","sku":"SUM26-REC","type":"clawback","amount_cents":-2425},` +
		`{"affiliate":"jane","sku":"RET26-TRN","type":"clawback","amount_cents":-2115}],"warnings":[]}`
	if status != 200 || raw != want {
		t.Fatalf("%d\n%s\nwant\n%s", status, raw, want)
	}
	if err := has(e.api.take(), "GET /v1/checkout/sessions?limit=1&payment_intent=pi_3SummitPaid"); err != nil {
		t.Error(err)
	}
	if status, _, again := e.send(t, half); status != 200 || again != raw {
		t.Errorf("redelivered: %d %s", status, again)
	}

	// A late event with a smaller total records nothing.
	if status, m, raw := e.send(t, refund("evt_r0", 1000)); status != 200 || m["ignored"] != "charge.refunded" {
		t.Errorf("late smaller total: %d %s", status, raw)
	}
	// The rest: every commission taken back exactly.
	if status, _, raw := e.send(t, refund("evt_r2", sessionTotal)); status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	es := e.ledger(t, "jane")
	if got := ledger.Sum(es); got != 0 || len(es) != 6 {
		t.Errorf("after a full refund jane has %d in %d entries", got, len(es))
	}
	// Products sold: the money refunded in proportion, units once whole.
	var earned, clawbacks []ledger.Entry
	for _, x := range es {
		if x.Type == ledger.TypeClawback {
			clawbacks = append(clawbacks, x)
		} else {
			earned = append(earned, x)
		}
	}
	rows := reports.ProductRows(e.p, earned, clawbacks)
	if len(rows) != 2 {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows {
		want := map[string][3]int64{"SUM26-REC": {9700, 1, 9700}, "RET26-TRN": {8460, 2, 8460}}[r.SKU]
		if r.RevenueCents != want[0] || r.RefundedQuantity != want[1] || r.RefundedCents != want[2] {
			t.Errorf("%s: %+v, want revenue %d, refunded %d units and %d", r.SKU, r, want[0], want[1], want[2])
		}
	}
	// More than was paid is an over-refund.
	if status, m, raw := e.send(t, refund("evt_r3", sessionTotal+1)); status != 200 || m["unapplied"] != "over_refund" {
		t.Errorf("%d %s", status, raw)
	}
}

// invoice.paid: the subscription's referrer, whatever the order of events,
// for recurring_months.
func TestInvoices(t *testing.T) {
	e := newEnv(t, "", demo.Program())
	clickAt := paidAt.Add(-2 * time.Hour)
	e.api.set("GET /v1/checkout/sessions?subscription=sub_1Monthly", list("/v1/checkout/sessions", false,
		checkoutSession("cs_test_sub", "subscription", e.token("jane", "summit-2026", clickAt), paidAt.Unix()-60, map[string]any{})))
	e.api.set("GET /v1/prices/price_1Monthly", price("price_1Monthly", "SUM26-REC", product("prod_1Monthly", ""), 2000))
	inv := func(evt, id, reason string, paid time.Time, amount int64) []byte {
		return event(t, "invoice.paid", evt, paid.Unix()+1, map[string]any{"id": id, "billing_reason": reason,
			"amount_paid": amount, "status_transitions": map[string]any{"paid_at": paid.Unix()}})
	}
	// The first invoice arrives before its session's event.
	status, _, raw := e.send(t, inv("evt_i1", "in_1First", "subscription_create", paidAt, 2000))
	want := `{"order_id":"stripe:in_1First","referred_by":"jane","commissions":[{"affiliate":"jane","sku":"SUM26-REC","type":"referral","amount_cents":1000}],"warnings":[]}`
	if status != 200 || raw != want {
		t.Fatalf("%d\n%s\nwant\n%s", status, raw, want)
	}
	if err := has(e.api.take(), "GET /v1/checkout/sessions?limit=1&subscription=sub_1Monthly", "GET /v1/prices/price_1Monthly?expand[0]=product"); err != nil {
		t.Error(err)
	}
	sess := sessionEvent(t, "evt_s", "checkout.session.completed", map[string]any{"id": "cs_test_sub", "mode": "subscription", "subscription": "sub_1Monthly"})
	if status, m, raw := e.send(t, sess); status != 200 || m["ignored"] == nil {
		t.Errorf("session: %d %s", status, raw)
	}
	// Two months on (past cookie_days), still jane's; at 13 months, nobody's.
	if status, m, raw := e.send(t, inv("evt_i2", "in_2", "subscription_cycle", paidAt.AddDate(0, 2, 0), 2000)); status != 200 || m["referred_by"] != "jane" {
		t.Errorf("second invoice: %d %s", status, raw)
	}
	if status, m, raw := e.send(t, inv("evt_i13", "in_13", "subscription_cycle", paidAt.AddDate(0, 13, 0), 2000)); status != 200 || m["ignored"] == nil {
		t.Errorf("13th month: %d %s", status, raw)
	}
	if status, m, raw := e.send(t, inv("evt_i0", "in_0", "subscription_cycle", paidAt.AddDate(0, 1, 0), 0)); status != 200 || m["ignored"] == nil {
		t.Errorf("nothing paid: %d %s", status, raw)
	}
	// A Checkout Session's own invoice (payment mode): its session is the order.
	own := event(t, "invoice.paid", "evt_own", paidAt.Unix(), map[string]any{"id": "in_own", "amount_paid": 2000, "parent": nil, "billing_reason": "manual"})
	if status, m, raw := e.send(t, own); status != 200 || m["ignored"] == nil {
		t.Errorf("invoice of no subscription: %d %s", status, raw)
	}
	es := e.ledger(t, "jane")
	if len(es) != 2 || es[0].Via != ledger.ViaSubscription || es[1].Via != ledger.ViaSubscription || ledger.Sum(es) != 2000 {
		t.Errorf("ledger %+v", es)
	}

	// recurring_months: 0 credits the first invoice only.
	zero := 0
	p := demo.Program()
	p.RecurringMonths = &zero
	z := newEnv(t, "", p)
	z.api.answers = e.api.answers
	if _, m, raw := z.send(t, inv("evt_i1", "in_1First", "subscription_create", paidAt, 2000)); m["referred_by"] != "jane" {
		t.Errorf("first invoice: %s", raw)
	}
	if _, m, raw := z.send(t, inv("evt_i2", "in_2", "subscription_cycle", paidAt.AddDate(0, 1, 0), 2000)); m["ignored"] == nil {
		t.Errorf("second invoice with recurring_months 0: %s", raw)
	}
}

// An invoice's lines past its first page are read from the API.
func TestInvoiceLinesBeyondOnePage(t *testing.T) {
	e := newEnv(t, "", demo.Program())
	e.api.set("GET /v1/checkout/sessions?subscription=sub_1Monthly", list("/v1/checkout/sessions", false))
	e.api.set("GET /v1/prices/price_1Monthly", price("price_1Monthly", "SUM26-REC", product("prod_1Monthly", ""), 2000))
	e.api.set("GET /v1/prices/price_trn", price("price_trn", "", product("prod_trn", "RET26-TRN"), 4700))
	second := map[string]any{"id": "il_2", "object": "line_item", "amount": 4700, "quantity": 1, "currency": "usd",
		"discount_amounts": []any{}, "pretax_credit_amounts": []any{map[string]any{"amount": 700, "type": "discount"}},
		"taxes":   []any{map[string]any{"amount": 400, "tax_behavior": "inclusive", "taxability_reason": "standard_rated", "taxable_amount": 3600, "type": "tax_rate_details"}},
		"pricing": map[string]any{"type": "price_details", "price_details": map[string]any{"price": "price_trn", "product": "prod_trn"}}}
	e.api.set("GET /v1/invoices/in_1First/lines@il_1Monthly", list("/v1/invoices/in_1First/lines", false, second))
	body := event(t, "invoice.paid", "evt_i1", paidAt.Unix(), map[string]any{"amount_paid": 2000 + 4000,
		"lines": map[string]any{"object": "list", "has_more": true, "url": "/v1/invoices/in_1First/lines",
			"data": []any{json.RawMessage(mustLine(t))}}})
	status, m, raw := e.send(t, body)
	if status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	if m["referred_by"] != nil {
		t.Errorf("no session, no contact: referred by %v", m["referred_by"])
	}
	if err := has(e.api.take(), "GET /v1/invoices/in_1First/lines?limit=100&starting_after=il_1Monthly"); err != nil {
		t.Error(err)
	}
	// Revenue: 2000 and 4700 − 700 discount − 400 inclusive tax.
	o, err := e.st.GetTxn(context.Background(), store.TxnKey("stripe:in_1First"))
	if err != nil || o == nil || len(o.Lines) != 2 || o.Lines[1].SKU != "RET26-TRN" || o.Lines[1].UnitPriceCents != 3600 || o.PaidCents != 6000 {
		t.Errorf("order %+v %v", o, err)
	}
}

func mustLine(t *testing.T) []byte {
	raw, err := os.ReadFile("testdata/invoice.paid.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Data struct {
			Object struct {
				Lines struct {
					Data []json.RawMessage `json:"data"`
				} `json:"lines"`
			} `json:"object"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev.Data.Object.Lines.Data[0]
}

// Two refunds of one payment delivered at once, and again: whichever lands
// first, every commission is taken back exactly once.
func TestConcurrentRefundsAddUp(t *testing.T) {
	e := newEnv(t, "", demo.Program())
	e.recordSession(sessionID)
	e.api.set("GET /v1/checkout/sessions?payment_intent=pi_3SummitPaid", list("/v1/checkout/sessions", false,
		checkoutSession(sessionID, "payment", "", paidAt.Unix(), map[string]any{})))
	order := sessionEvent(t, "evt_1", "checkout.session.completed", map[string]any{"id": sessionID, "amount_total": sessionTotal,
		"client_reference_id": e.token("jane", "summit-2026", paidAt.Add(-time.Hour))})
	if status, _, raw := e.send(t, order); status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	var bodies [][]byte
	for i, total := range []int64{sessionTotal / 3, sessionTotal / 2, sessionTotal} {
		bodies = append(bodies, event(t, "charge.refunded", fmt.Sprintf("evt_r%d", i), paidAt.Add(time.Duration(i+1)*time.Hour).Unix(),
			map[string]any{"amount": sessionTotal, "amount_refunded": total}))
	}
	var wg sync.WaitGroup
	for range 2 {
		for _, b := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if status, _, raw := e.send(t, b); status != 200 {
					t.Errorf("%d %s", status, raw)
				}
			}()
		}
	}
	wg.Wait()
	if got := ledger.Sum(e.ledger(t, "jane")); got != 0 {
		t.Errorf("after refunds up to the whole payment jane has %d", got)
	}
	o, _ := e.st.GetTxn(context.Background(), store.TxnKey("stripe:"+sessionID))
	if o.RefundedCents != sessionTotal {
		t.Errorf("refunded %d of %d", o.RefundedCents, sessionTotal)
	}
}

// invoiceLine is an invoice's line of a price, as the API answers it
// (2025-03-31 and later: the price under pricing.price_details).
func invoiceLine(id, price string, amount int64, proration bool) map[string]any {
	return map[string]any{"id": id, "object": "line_item", "amount": amount, "currency": "usd", "quantity": 1,
		"discount_amounts": []any{}, "pretax_credit_amounts": []any{}, "taxes": []any{},
		"parent": map[string]any{"type": "subscription_item_details", "subscription_item_details": map[string]any{
			"proration": proration, "subscription": "sub_1Monthly", "subscription_item": "si_1"}},
		"pricing": map[string]any{"type": "price_details", "price_details": map[string]any{"price": price, "product": "prod_" + price}}}
}

// An upgrade's invoice: +3000 for the new plan's remaining time, -1000 for
// the old plan's unused time, 2000 paid. The credit reduces the basis (of
// the invoice in proportion, as it is of another price), so jane earns 50%
// of 2000, not of 3000; a credit of the same price comes off that line.
func TestProrationCredits(t *testing.T) {
	e := newEnv(t, "", demo.Program())
	e.api.set("GET /v1/checkout/sessions?subscription=sub_1Monthly", list("/v1/checkout/sessions", false,
		checkoutSession("cs_test_sub", "subscription", e.token("jane", "summit-2026", paidAt.Add(-time.Hour)), paidAt.Unix()-60, map[string]any{})))
	e.api.set("GET /v1/prices/price_new", price("price_new", "SUM26-REC", product("prod_new", ""), 3000))
	e.api.set("GET /v1/prices/price_trn", price("price_trn", "", product("prod_trn", "RET26-TRN"), 4700))
	inv := func(evt, id string, paid int64, lines ...any) []byte {
		return event(t, "invoice.paid", evt, paidAt.Unix(), map[string]any{"id": id, "billing_reason": "subscription_update",
			"amount_paid": paid, "status_transitions": map[string]any{"paid_at": paidAt.Unix()},
			"lines": map[string]any{"object": "list", "has_more": false, "url": "/v1/invoices/" + id + "/lines", "data": lines}})
	}
	status, _, raw := e.send(t, inv("evt_up", "in_up", 2000, invoiceLine("il_new", "price_new", 3000, true), invoiceLine("il_old", "price_old", -1000, true)))
	want := `{"order_id":"stripe:in_up","referred_by":"jane","commissions":[{"affiliate":"jane","sku":"SUM26-REC","type":"referral","amount_cents":1000}],"warnings":[]}`
	if status != 200 || raw != want {
		t.Fatalf("%d\n%s\nwant\n%s", status, raw, want)
	}
	// Two lines, the credit of the first's price: it comes off that line only.
	status, _, raw = e.send(t, inv("evt_q", "in_q", 3000+4700-1000, invoiceLine("il_a", "price_new", 3000, true),
		invoiceLine("il_b", "price_trn", 4700, false), invoiceLine("il_c", "price_new", -1000, true)))
	want = `{"order_id":"stripe:in_q","referred_by":"jane","commissions":[` +
		`{"affiliate":"jane","sku":"SUM26-REC","type":"referral","amount_cents":1000},` +
		`{"affiliate":"jane","sku":"RET26-TRN","type":"referral","amount_cents":2350}],"warnings":[]}`
	if status != 200 || raw != want {
		t.Errorf("%d\n%s\nwant\n%s", status, raw, want)
	}
}

// A subscription's referrer is decided at its first invoice and kept: after
// another affiliate's click moves the buyer, the renewal is still jane's.
func TestRenewalKeepsTheFirstInvoicesReferrer(t *testing.T) {
	e := newEnv(t, "", demo.Program())
	e.api.set("GET /v1/checkout/sessions?subscription=sub_1Monthly", list("/v1/checkout/sessions", false))
	e.api.set("GET /v1/prices/price_1Monthly", price("price_1Monthly", "SUM26-REC", product("prod_1Monthly", ""), 2000))
	// sam comes through jane's link and buys once: sam is jane's.
	e.recordSession(sessionID)
	buy := func(evt, id string, click string, at time.Time) {
		t.Helper()
		body := event(t, "checkout.session.completed", evt, at.Unix(), map[string]any{"id": id, "amount_total": sessionTotal,
			"client_reference_id": click, "customer_details": map[string]any{"email": "sam@example.org"}})
		if status, _, raw := e.send(t, body); status != 200 {
			t.Fatalf("%d %s", status, raw)
		}
	}
	buy("evt_1", sessionID, e.token("jane", "summit-2026", paidAt.Add(-time.Hour)), paidAt)
	inv := func(evt, id, reason string, paid time.Time) []byte {
		return event(t, "invoice.paid", evt, paid.Unix()+1, map[string]any{"id": id, "billing_reason": reason,
			"amount_paid": 2000, "customer_email": "sam@example.org", "status_transitions": map[string]any{"paid_at": paid.Unix()}})
	}
	// The subscription starts a day later, through no link: the contact's.
	if status, m, raw := e.send(t, inv("evt_i1", "in_1First", "subscription_create", paidAt.AddDate(0, 0, 1))); status != 200 || m["referred_by"] != "jane" {
		t.Fatalf("first invoice: %d %s", status, raw)
	}
	// Two months on (past cookie_days), bob's click moves sam.
	e.recordSession("cs_test_bob")
	later := paidAt.AddDate(0, 2, 0)
	buy("evt_2", "cs_test_bob", e.token("bob", "summit-2026", later.Add(-time.Hour)), later)
	if c, _ := e.st.GetContact(context.Background(), "sam@example.org"); c == nil || c.Affiliate != "bob" {
		t.Fatalf("sam is now %+v", c)
	}
	status, m, raw := e.send(t, inv("evt_i2", "in_2", "subscription_cycle", later.AddDate(0, 0, 1)))
	if status != 200 || m["referred_by"] != "jane" {
		t.Errorf("renewal: %d %s", status, raw)
	}
	for _, x := range e.ledger(t, "jane") {
		if x.OrderID == "stripe:in_2" && x.Via != ledger.ViaSubscription {
			t.Errorf("renewal entry %+v", x)
		}
	}
	sub, err := e.st.GetSubscription(context.Background(), "stripe:sub_1Monthly")
	if err != nil || sub == nil || sub.Affiliate != "jane" || sub.FirstInvoice != "stripe:in_1First" {
		t.Errorf("subscription record %+v %v", sub, err)
	}
}
