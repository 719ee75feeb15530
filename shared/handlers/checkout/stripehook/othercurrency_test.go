package stripehook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/handlers/affiliate/reports"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// A session charged in EUR on the demo program, whose currency is USD:
// SUM26-REC 50.00 + 4.00 tax and two RET26-TRN for 46.00, 100.00 in all,
// which Stripe settled as USD 108.50 (exchange_rate 1.085).
const eurSession = "cs_test_eur"

func (e *env) recordEURSession(settledCurrency string, settled int64, rate float64) {
	eur := func(li map[string]any) map[string]any { li["currency"] = "eur"; return li }
	p1 := eur(lineItem("li_e1", price("price_rec", "SUM26-REC", product("prod_rec", ""), 5000), 1, 5000, 0, 400))
	p2 := eur(lineItem("li_e2", price("price_trn", "", product("prod_trn", "RET26-TRN"), 2301), 2, 4602, 2, 0))
	base := "/v1/checkout/sessions/" + eurSession + "/line_items"
	e.api.set("GET "+base, list(base, false, p1, p2))
	e.api.set("GET /v1/checkout/sessions/"+eurSession, map[string]any{"id": eurSession, "object": "checkout.session",
		"mode": "payment", "payment_status": "paid", "currency": "eur", "amount_total": 10000,
		"payment_intent": paymentIntent("pi_eur", "eur", 10000, settledCurrency, settled, rate)})
	e.api.set("GET /v1/checkout/sessions?payment_intent=pi_eur", list("/v1/checkout/sessions", false,
		checkoutSession(eurSession, "payment", "", paidAt.Unix(), map[string]any{})))
}

// paymentIntent is a payment intent with its latest charge and that
// charge's balance transaction expanded, as Stripe answers
// expand[]=latest_charge.balance_transaction.
func paymentIntent(id, currency string, amount int64, settledCurrency string, settled int64, rate float64) map[string]any {
	ch := "ch_" + strings.TrimPrefix(id, "pi_")
	return map[string]any{"id": id, "object": "payment_intent", "amount": amount, "currency": currency, "status": "succeeded",
		"latest_charge": map[string]any{"id": ch, "object": "charge", "amount": amount, "amount_captured": amount,
			"currency": currency, "captured": true, "paid": true, "status": "succeeded", "payment_intent": id,
			"balance_transaction": map[string]any{"id": "txn_" + ch, "object": "balance_transaction", "amount": settled,
				"currency": settledCurrency, "exchange_rate": rate, "fee": 0, "net": settled, "source": ch,
				"status": "pending", "type": "charge", "reporting_category": "charge"}}}
}

func (e *env) eurOrder(t *testing.T) []byte {
	return sessionEvent(t, "evt_eur", "checkout.session.completed", map[string]any{"id": eurSession, "currency": "eur",
		"amount_total": 10000, "payment_intent": "pi_eur", "client_reference_id": e.token("jane", "summit-2026", paidAt.Add(-time.Hour))})
}

func eurRefund(t *testing.T, evt string, refunded int64) []byte {
	return event(t, "charge.refunded", evt, paidAt.Add(48*time.Hour).Unix(), map[string]any{"id": "ch_eur", "currency": "eur",
		"payment_intent": "pi_eur", "amount": 10000, "amount_captured": 10000, "amount_refunded": refunded, "refunded": refunded == 10000})
}

// An order in the buyer's currency earns on what Stripe settled it at:
// the lines' 96.00 EUR convert to round(10850 × 9600 / 10000) = 104.16 USD,
// 54.25 and 49.91 by their amounts; each commission keeps the EUR amount.
func TestOrderInAnotherCurrencyEarnsOnWhatStripeSettled(t *testing.T) {
	e := newEnv(t, "", demo.Program())
	e.recordEURSession("usd", 10850, 1.085)
	status, _, raw := e.send(t, e.eurOrder(t))
	want := `{"order_id":"stripe:cs_test_eur","referred_by":"jane","commissions":[` +
		`{"affiliate":"jane","sku":"SUM26-REC","type":"referral","amount_cents":2713},` +
		`{"affiliate":"jane","sku":"RET26-TRN","type":"referral","amount_cents":2496}],"warnings":[]}`
	if status != http.StatusOK || raw != want {
		t.Fatalf("%d\n%s\nwant\n%s", status, raw, want)
	}
	if err := has(e.api.take(), "GET /v1/checkout/sessions/"+eurSession+"?expand[0]=payment_intent.latest_charge.balance_transaction"); err != nil {
		t.Error(err)
	}
	bySKU := map[string]ledger.Entry{}
	for _, x := range e.ledger(t, "jane") {
		bySKU[x.SKU] = x
	}
	for sku, w := range map[string][2]int64{"SUM26-REC": {5425, 5000}, "RET26-TRN": {4991, 4600}} {
		if x := bySKU[sku]; x.BasisCents != w[0] || x.OriginalCurrency != "EUR" || x.OriginalBasis != w[1] {
			t.Errorf("%s: basis %d, original %s %d; want %d, EUR %d", sku, x.BasisCents, x.OriginalCurrency, x.OriginalBasis, w[0], w[1])
		}
	}
	if _, revenue := e.stats(t, "jane"); revenue != 10416 {
		t.Errorf("link stats revenue %d, want the converted 10416", revenue)
	}
	// The ledger report shows the buyer's currency beside the basis.
	req := apigw.Request{RawPath: "/reports/ledger", QueryStringParameters: map[string]string{"month": "2026-11"},
		Headers: map[string]string{"accept": "application/json"}}
	req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		Lambda: map[string]any{"role": "affiliate", "subject": "jane", "auth": "ok"}}
	resp, err := reports.Ledger(e.d)(context.Background(), req)
	var rep reports.LedgerReport
	if err != nil || json.Unmarshal([]byte(resp.Body), &rep) != nil || len(rep.Entries) != 2 {
		t.Fatalf("ledger report %d %s %v", resp.StatusCode, resp.Body, err)
	}
	for _, x := range rep.Entries {
		if x.OriginalCurrency != "EUR" || x.OriginalBasis != bySKU[x.SKU].OriginalBasis ||
			!strings.Contains(resp.Body, `"original_currency":"EUR","original_basis":5000`) {
			t.Errorf("ledger report entry %+v in %s", x, resp.Body)
		}
	}

	// Refunds are in the charge's currency, as A is: half of the EUR 100.00
	// takes back half of each commission, the rest all of it.
	status, _, raw = e.send(t, eurRefund(t, "evt_r1", 5000))
	want = `{"refund_id":"stripe:evt_r1","order_id":"stripe:cs_test_eur","clawbacks":[` +
		`{"affiliate":"jane","sku":"SUM26-REC","type":"clawback","amount_cents":-1357},` +
		`{"affiliate":"jane","sku":"RET26-TRN","type":"clawback","amount_cents":-1248}],"warnings":[]}`
	if status != http.StatusOK || raw != want {
		t.Fatalf("half refund: %d\n%s\nwant\n%s", status, raw, want)
	}
	if status, _, raw := e.send(t, eurRefund(t, "evt_r2", 10000)); status != http.StatusOK || strings.Contains(raw, "unapplied") {
		t.Fatalf("full refund: %d %s", status, raw)
	}
	if got := ledger.Sum(e.ledger(t, "jane")); got != 0 {
		t.Errorf("after a full refund jane has %d", got)
	}
	o, err := e.st.GetTxn(context.Background(), store.TxnKey("stripe:"+eurSession))
	if err != nil || o == nil || o.PaidCents != 10000 || o.RefundedCents != 10000 {
		t.Errorf("order %+v %v: paid and refunded are the charge's EUR 100.00", o, err)
	}
}

// An account that settles in GBP cannot give a USD program its rate: the
// order is unapplied currency_mismatch, naming the currencies, and nothing
// is written.
func TestOrderSettledInAThirdCurrencyIsUnapplied(t *testing.T) {
	e := newEnv(t, "", demo.Program())
	e.recordEURSession("gbp", 8600, 0.86)
	status, m, raw := e.send(t, e.eurOrder(t))
	if status != http.StatusOK || m["unapplied"] != "currency_mismatch" || !strings.Contains(raw, "GBP") || !strings.Contains(raw, "EUR") {
		t.Fatalf("%d %s", status, raw)
	}
	if err := has(e.api.take(), "GET /v1/checkout/sessions/"+eurSession+"?expand[0]=payment_intent.latest_charge.balance_transaction"); err != nil {
		t.Error(err)
	}
	o, err := e.st.GetTxn(context.Background(), store.TxnKey("stripe:"+eurSession))
	if o != nil || err != nil || len(e.ledger(t, "jane")) != 0 {
		t.Errorf("wrote %+v %v", o, err)
	}
	if n, _ := e.stats(t, "jane"); n != 0 {
		t.Errorf("counted %d orders", n)
	}
	if evs, _, err := e.st.CheckoutEvents(context.Background(), time.Now()); err != nil || len(evs) != 1 || evs[0].Code != "currency_mismatch" {
		t.Errorf("kept for the owner: %+v %v", evs, err)
	}
}

// A failed read of the balance transaction, or a charge Stripe has not
// settled yet, is for a retry to fix: 5xx, nothing written or kept, and
// the next delivery records the order.
func TestSettlementReadFailureIsRetried(t *testing.T) {
	e := newEnv(t, "", demo.Program())
	e.recordEURSession("usd", 10850, 1.085)
	key := "GET /v1/checkout/sessions/" + eurSession
	settled := e.api.answers[key]
	unsettled := paymentIntent("pi_eur", "eur", 10000, "usd", 10850, 1.085)
	unsettled["latest_charge"].(map[string]any)["balance_transaction"] = nil
	e.api.set(key, map[string]any{"id": eurSession, "object": "checkout.session", "currency": "eur", "amount_total": 10000, "payment_intent": unsettled})
	if status, _, raw := e.send(t, e.eurOrder(t)); status < 500 {
		t.Fatalf("not settled yet: %d %s", status, raw)
	}
	e.api.set(key, settled)
	e.api.fail(key, true)
	if status, _, raw := e.send(t, e.eurOrder(t)); status < 500 {
		t.Fatalf("%d %s", status, raw)
	}
	if n := e.meter.Snapshot().Requests["TransactWriteItems"]; n != 0 || len(e.ledger(t, "jane")) != 0 {
		t.Fatalf("wrote on a failed API call")
	}
	if evs, _, err := e.st.CheckoutEvents(context.Background(), time.Now()); err != nil || len(evs) != 0 {
		t.Errorf("kept as unapplied: %+v %v", evs, err)
	}
	e.api.fail(key, false)
	if status, m, raw := e.send(t, e.eurOrder(t)); status != http.StatusOK || m["referred_by"] != "jane" {
		t.Fatalf("%d %s", status, raw)
	}
}

// A subscription's invoice in EUR: its paid payment's charge settled
// EUR 20.00 as USD 21.70, so jane earns 50% of 21.70.
func TestInvoiceInAnotherCurrency(t *testing.T) {
	e := newEnv(t, "", demo.Program())
	e.api.set("GET /v1/checkout/sessions?subscription=sub_1Monthly", list("/v1/checkout/sessions", false,
		checkoutSession("cs_test_sub", "subscription", e.token("jane", "summit-2026", paidAt.Add(-time.Hour)), paidAt.Unix()-60, map[string]any{})))
	e.api.set("GET /v1/prices/price_1Monthly", price("price_1Monthly", "SUM26-REC", product("prod_1Monthly", ""), 2000))
	e.api.set("GET /v1/invoice_payments?invoice=in_eur", list("/v1/invoice_payments", false,
		map[string]any{"id": "inpay_1", "object": "invoice_payment", "invoice": "in_eur", "status": "paid", "amount_paid": 2000,
			"amount_requested": 2000, "currency": "eur", "is_default": true,
			"payment": map[string]any{"type": "payment_intent", "payment_intent": "pi_inv"}}))
	e.api.set("GET /v1/payment_intents/pi_inv", paymentIntent("pi_inv", "eur", 2000, "usd", 2170, 1.085))
	body := event(t, "invoice.paid", "evt_ie", paidAt.Unix(), map[string]any{"id": "in_eur", "currency": "eur",
		"billing_reason": "subscription_create", "amount_paid": 2000, "status_transitions": map[string]any{"paid_at": paidAt.Unix()}})
	status, _, raw := e.send(t, body)
	want := `{"order_id":"stripe:in_eur","referred_by":"jane","commissions":[{"affiliate":"jane","sku":"SUM26-REC","type":"referral","amount_cents":1085}],"warnings":[]}`
	if status != http.StatusOK || raw != want {
		t.Fatalf("%d\n%s\nwant\n%s", status, raw, want)
	}
	if err := has(e.api.take(), "GET /v1/invoice_payments?limit=100&invoice=in_eur&status=paid",
		"GET /v1/payment_intents/pi_inv?expand[0]=latest_charge.balance_transaction"); err != nil {
		t.Error(err)
	}
	es := e.ledger(t, "jane")
	if len(es) != 1 || es[0].BasisCents != 2170 || es[0].OriginalCurrency != "EUR" || es[0].OriginalBasis != 2000 {
		t.Errorf("ledger %+v", es)
	}
}
