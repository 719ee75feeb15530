package stripehook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
)

// promo is the promotion code of Stripe's API reference
// (events/stripe/promotion_code.json): its code is A1H1Q1MG.
const promo = "promo_1MiM6KLkdIwHu7ixrIaX4wgn"

// promoProgram is the demo program where bob holds Stripe's documented
// code (in lower case: codes match whatever their case).
func promoProgram() *program.Program {
	p := demo.Program()
	bob, _ := p.Affiliate("bob")
	bob.Coupons = []string{"a1h1q1mg"}
	return p
}

// recordPromotionCode answers GET /v1/promotion_codes/<promo> with Stripe's
// documented object.
func (e *env) recordPromotionCode(t *testing.T) {
	t.Helper()
	raw, err := os.ReadFile("../../../../events/stripe/promotion_code.json")
	if err != nil {
		t.Fatal(err)
	}
	var pc map[string]any
	if err := json.Unmarshal(raw, &pc); err != nil {
		t.Fatal(err)
	}
	e.api.set("GET /v1/promotion_codes/"+promo, pc)
}

func couponCount(t *testing.T, e *env, aff string) (orders, revenue int64) {
	t.Helper()
	cs, err := e.st.CouponStats(context.Background(), aff, "2026-01-01", "2029-12-31")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		orders, revenue = orders+c.Orders, revenue+c.RevenueCents
	}
	return orders, revenue
}

// A paid session whose discounts name a promotion code (API versions from
// 2025-01-27): its code is read with the restricted key, and, under the
// default coupon_precedence, bob's code wins over jane's click. The code
// is read once per warm function.
func TestStripePromotionCodeRefersTheOrder(t *testing.T) {
	e := newEnv(t, "", promoProgram())
	e.recordSession(sessionID)
	e.recordPromotionCode(t)
	discounts := []any{map[string]any{"coupon": nil, "promotion_code": promo}}
	body := sessionEvent(t, "evt_1", "checkout.session.completed", map[string]any{"id": sessionID, "amount_total": sessionTotal,
		"client_reference_id": e.token("jane", "summit-2026", paidAt.Add(-time.Hour)), "discounts": discounts})
	status, m, raw := e.send(t, body)
	if status != http.StatusOK || m["referred_by"] != "bob" {
		t.Fatalf("%d %s", status, raw)
	}
	reqs := e.api.take()
	if err := has(reqs, "GET /v1/promotion_codes/"+promo); err != nil {
		t.Error(err)
	}
	if len(reqs) != 3 { // two pages of line items, the code
		t.Errorf("%d Stripe requests: %q", len(reqs), reqs)
	}
	es := e.ledger(t, "bob")
	if len(es) != 1 || es[0].Via != ledger.ViaCoupon || es[0].Coupon != "a1h1q1mg" || es[0].SKU != "SUM26-REC" {
		t.Errorf("bob's ledger %+v", es)
	}
	if len(e.ledger(t, "jane")) != 0 {
		t.Errorf("jane earned on bob's code's order")
	}
	if o, r := couponCount(t, e, "bob"); o != 1 || r != 9700+8460+500 {
		t.Errorf("bob's code counted %d orders, %d revenue", o, r)
	}
	// Another session with the same code: no second read of it.
	e.recordSession("cs_test_again")
	again := sessionEvent(t, "evt_2", "checkout.session.completed", map[string]any{"id": "cs_test_again", "amount_total": sessionTotal, "discounts": discounts})
	if status, m, raw := e.send(t, again); status != 200 || m["referred_by"] != "bob" {
		t.Fatalf("again: %d %s", status, raw)
	}
	if reqs := e.api.take(); len(reqs) != 2 {
		t.Errorf("the second order read %q", reqs)
	}
}

// Events of API versions before 2025-01-27 have no discounts, only the
// amount discounted: the session's breakdown is read, then the code. A
// session with nothing discounted reads nothing more.
func TestAnOlderSessionsPromotionCodeIsReadFromItsBreakdown(t *testing.T) {
	e := newEnv(t, "", promoProgram())
	e.recordSession(sessionID)
	e.recordPromotionCode(t)
	e.api.set("GET /v1/checkout/sessions/"+sessionID, map[string]any{"id": sessionID, "object": "checkout.session", "mode": "payment",
		"total_details": map[string]any{"amount_discount": 940, "amount_shipping": 0, "amount_tax": 816, "breakdown": map[string]any{
			"discounts": []any{map[string]any{"amount": 940, "discount": map[string]any{"id": "di_1", "object": "discount", "promotion_code": promo}}},
			"taxes":     []any{}}}})
	body := sessionEvent(t, "evt_1", "checkout.session.completed", map[string]any{"id": sessionID, "amount_total": sessionTotal,
		"total_details": map[string]any{"amount_discount": 940, "amount_shipping": 0, "amount_tax": 816}})
	if status, m, raw := e.send(t, body); status != 200 || m["referred_by"] != "bob" {
		t.Fatalf("%d %s", status, raw)
	}
	if err := has(e.api.take(), "GET /v1/checkout/sessions/"+sessionID+"?expand[0]=total_details.breakdown", "GET /v1/promotion_codes/"+promo); err != nil {
		t.Error(err)
	}
	e.recordSession("cs_test_plain")
	plain := sessionEvent(t, "evt_2", "checkout.session.completed", map[string]any{"id": "cs_test_plain", "amount_total": sessionTotal,
		"customer_details": map[string]any{"email": "new@example.org"}, "total_details": map[string]any{"amount_discount": 0, "amount_shipping": 0, "amount_tax": 816}})
	if status, m, raw := e.send(t, plain); status != 200 || m["referred_by"] != nil {
		t.Fatalf("plain: %d %s", status, raw)
	}
	if reqs := e.api.take(); len(reqs) != 2 {
		t.Errorf("a session with nothing discounted read %q", reqs)
	}
}

// A subscription's checkout carried bob's promotion code and jane's click:
// its first invoice is bob's (the code, via subscription) and counts once
// on the code; the renewal keeps bob and counts on no code, and a code of
// the renewal's own is never read.
func TestASubscriptionsCodeCountsAtItsFirstInvoiceOnly(t *testing.T) {
	e := newEnv(t, "", promoProgram())
	e.recordPromotionCode(t)
	sess := checkoutSession("cs_test_sub", "subscription", e.token("jane", "summit-2026", paidAt.Add(-time.Hour)), paidAt.Unix(), map[string]any{})
	sess["discounts"] = []any{map[string]any{"coupon": nil, "promotion_code": promo}}
	e.api.set("GET /v1/checkout/sessions?subscription=sub_1Monthly", list("/v1/checkout/sessions", false, sess))
	e.api.set("GET /v1/prices/price_1Monthly", price("price_1Monthly", "SUM26-REC", product("prod_1Monthly", ""), 2000))
	inv := func(evt, id, reason string, paid time.Time) []byte {
		return event(t, "invoice.paid", evt, paid.Unix()+1, map[string]any{"id": id, "billing_reason": reason,
			"amount_paid": 2000, "customer_email": "sam@example.org", "status_transitions": map[string]any{"paid_at": paid.Unix()},
			"discounts": []any{"di_renewal"}})
	}
	if status, m, raw := e.send(t, inv("evt_i1", "in_1First", "subscription_create", paidAt)); status != 200 || m["referred_by"] != "bob" {
		t.Fatalf("first invoice: %d %s", status, raw)
	}
	if err := has(e.api.take(), "GET /v1/promotion_codes/"+promo); err != nil {
		t.Error(err)
	}
	status, m, raw := e.send(t, inv("evt_i2", "in_2", "subscription_cycle", paidAt.AddDate(0, 1, 0)))
	if status != 200 || m["referred_by"] != "bob" {
		t.Fatalf("renewal: %d %s", status, raw)
	}
	for _, r := range e.api.take() {
		if len(r) > 24 && r[:24] == "GET /v1/promotion_codes/" {
			t.Errorf("the renewal read a code: %s", r)
		}
	}
	for _, x := range e.ledger(t, "bob") {
		if x.Via != ledger.ViaSubscription || (x.OrderID == "stripe:in_2") != (x.Coupon == "") {
			t.Errorf("entry %s: via %s, code %q (the first invoice names the code, the renewal none)", x.OrderID, x.Via, x.Coupon)
		}
	}
	if o, r := couponCount(t, e, "bob"); o != 1 || r != 2000 {
		t.Errorf("bob's code counted %d orders, %d revenue: want the first invoice only", o, r)
	}
}
