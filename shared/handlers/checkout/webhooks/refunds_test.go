package webhooks_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/apptest"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/commission"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
	"github.com/tallyhq/tally/shared/web/apierr"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// checkoutEnv records checkout orders and refunds (as the Stripe and
// Shopify adapters hand them over) and native webhooks, on one store.
type checkoutEnv struct {
	st     *store.Store
	co     *webhooks.Checkout
	orders apigw.Handler
	keys   *clicktoken.Keys
}

func newCheckoutEnv(t *testing.T, s dynamotest.Store) *checkoutEnv {
	t.Helper()
	a := apptest.New(t, apptest.On(s), apptest.Config(withSecret), apptest.Clock(func() time.Time { return now }))
	return &checkoutEnv{st: a.Store, co: webhooks.NewCheckout(a.Deps), orders: webhooks.Orders(a.Deps), keys: a.Keys}
}

func (e *checkoutEnv) order(t *testing.T, o webhooks.CheckoutOrder) {
	t.Helper()
	if o.OccurredAt.IsZero() {
		o.OccurredAt = time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	}
	if o.Email == "" {
		o.Email = "pat@example.org"
	}
	o.Currency = "USD"
	if _, err := e.co.Order(context.Background(), o, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("order %s: %v", o.ID, err)
	}
}

func (e *checkoutEnv) refund(t *testing.T, r webhooks.CheckoutRefund) error {
	t.Helper()
	if r.OccurredAt.IsZero() {
		r.OccurredAt = time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	}
	_, err := e.co.Refund(context.Background(), r, slog.New(slog.DiscardHandler))
	return err
}

// taken is, per commission of the order, what its clawbacks took back;
// earned what it earned.
func (e *checkoutEnv) taken(t *testing.T, orderID string, affs ...string) (earned, taken map[string]int64, clawbacks []ledger.Entry) {
	t.Helper()
	earned, taken = map[string]int64{}, map[string]int64{}
	for _, a := range affs {
		es, err := e.st.Entries(context.Background(), a, time.Unix(0, 0), now.AddDate(1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range es {
			if x.OrderID != orderID {
				continue
			}
			if x.Type == ledger.TypeClawback {
				taken[x.Reverses] -= x.AmountCents
				clawbacks = append(clawbacks, x)
			} else {
				earned[x.ID] += x.AmountCents
			}
		}
	}
	return earned, taken, clawbacks
}

// Refunds of items and of money of one checkout order, in the mixes
// Stripe, Shopify and a business's own code send (SPEC 10).
func TestCheckoutRefundsOfItemsAndMoney(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, s dynamotest.Store) {
		e := newCheckoutEnv(t, s)
		// bob referred 2 × SUM26-REC (he earns 9700) and jane's course (she
		// earns 10000 as its speaker); paid 39400.
		lines := []commission.Line{{SKU: "SUM26-REC", Quantity: 2, UnitPriceCents: 9700}, {SKU: "SUM26-JANE-COURSE", Quantity: 1, UnitPriceCents: 20000}}

		t.Run("items, then the rest as money: nothing is kept", func(t *testing.T) {
			e.order(t, webhooks.CheckoutOrder{ID: "shopify:5", Affiliate: "bob", Lines: lines, PaidCents: 39400})
			if err := e.refund(t, webhooks.CheckoutRefund{ID: "shopify:r51", OrderID: "shopify:5",
				Items: []webhooks.RefundItem{{SKU: "SUM26-REC", Quantity: 1, MoneyCapCents: 9700}}, Amount: 9700}); err != nil {
				t.Fatal(err)
			}
			if err := e.refund(t, webhooks.CheckoutRefund{ID: "shopify:r52", OrderID: "shopify:5", Amount: 29700}); err != nil {
				t.Fatal(err)
			}
			earned, taken, _ := e.taken(t, "shopify:5", "bob", "jane")
			for id, c := range earned {
				if taken[id] != c {
					t.Errorf("%s: took back %d of %d after a full refund", id, taken[id], c)
				}
			}
			// Money beyond what was paid records nothing.
			err := e.refund(t, webhooks.CheckoutRefund{ID: "shopify:r53", OrderID: "shopify:5", Amount: 100})
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Code != "over_refund" {
				t.Errorf("a refund beyond what was paid: %v", err)
			}
			if _, again, _ := e.taken(t, "shopify:5", "bob", "jane"); fmt.Sprint(again) != fmt.Sprint(taken) {
				t.Errorf("it changed the clawbacks: %v, then %v", taken, again)
			}
		})

		t.Run("money, then items: the items take only from their own line", func(t *testing.T) {
			e.order(t, webhooks.CheckoutOrder{ID: "shopify:6", Affiliate: "bob", Lines: lines, PaidCents: 39400})
			if err := e.refund(t, webhooks.CheckoutRefund{ID: "shopify:r61", OrderID: "shopify:6", Amount: 3940}); err != nil {
				t.Fatal(err)
			}
			_, before, _ := e.taken(t, "shopify:6", "jane")
			if err := e.refund(t, webhooks.CheckoutRefund{ID: "shopify:r62", OrderID: "shopify:6",
				Items: []webhooks.RefundItem{{SKU: "SUM26-REC", Quantity: 1, MoneyCapCents: 9700}}, Amount: 9700}); err != nil {
				t.Fatal(err)
			}
			_, after, cbs := e.taken(t, "shopify:6", "jane", "bob")
			if after["o:shopify:6:SUM26-JANE-COURSE:speaker"] != before["o:shopify:6:SUM26-JANE-COURSE:speaker"] {
				t.Errorf("a refund of a SUM26-REC took jane's commission on her course: %v, then %v", before, after)
			}
			for _, cb := range cbs {
				if cb.RefundID == "shopify:r62" && cb.SKU != "SUM26-REC" {
					t.Errorf("clawback on a line nobody returned: %+v", cb)
				}
			}
		})

		t.Run("a native refund of everything after a refund of money takes back exactly what was earned", func(t *testing.T) {
			click := e.keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "summit-2026", At: time.Date(2026, 11, 3, 14, 0, 0, 0, time.UTC), Sub: "podcast"})
			e.order(t, webhooks.CheckoutOrder{ID: "stripe:cs_8", Click: click, Lines: []commission.Line{{SKU: "SUM26-REC", Quantity: 1, UnitPriceCents: 9700}, {SKU: "RET26-TRN", Quantity: 2, UnitPriceCents: 4700}}, PaidCents: 19100})
			if err := e.refund(t, webhooks.CheckoutRefund{ID: "stripe:evt_81", OrderID: "stripe:cs_8", Total: 9550, IsTotal: true}); err != nil {
				t.Fatal(err)
			}
			status, m, raw := newEnvOn(t, e).send(t, e.orders, "webhook-orders",
				`{"id":"refund-8","type":"order.refunded","occurred_at":"2026-11-20T09:00:00Z","order_id":"stripe:cs_8"}`)
			if status != http.StatusOK {
				t.Fatalf("%d %v %s", status, m, raw)
			}
			earned, taken, cbs := e.taken(t, "stripe:cs_8", "jane")
			for id, c := range earned {
				if taken[id] != c {
					t.Errorf("%s: earned %d, took back %d", id, c, taken[id])
				}
			}
			for _, cb := range cbs {
				if cb.Sub != "podcast" {
					t.Errorf("a clawback lost its commission's channel tag: %+v", cb)
				}
			}
		})
	})
}

// newEnvOn wraps a checkout env to send signed native webhooks.
func newEnvOn(t *testing.T, e *checkoutEnv) *env { return &env{st: e.st, orders: e.orders} }

// For random mixes of the three kinds of refund in random order, recorded
// on each store: after every step no commission's clawbacks exceed it, and
// once the money refunded reaches what was paid every commission is back
// exactly; a refund the order cannot take writes nothing.
func TestRefundMixesOnEachStore(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, s dynamotest.Store) {
		e := newCheckoutEnv(t, s)
		for n := range 12 {
			seed := uint64(n + 1)
			r := rand.New(rand.NewPCG(seed, 7))
			id := fmt.Sprintf("shopify:%d", 1000+n)
			lines := []commission.Line{{SKU: "SUM26-REC", Quantity: int64(1 + r.IntN(4)), UnitPriceCents: int64(100 + r.IntN(20000))}}
			if r.IntN(2) == 0 {
				lines = append(lines, commission.Line{SKU: "SUM26-JANE-COURSE", Quantity: 1, UnitPriceCents: int64(100 + r.IntN(30000))})
			}
			if r.IntN(2) == 0 {
				lines = append(lines, commission.Line{SKU: "RET26-TRN", Quantity: int64(1 + r.IntN(3)), UnitPriceCents: int64(100 + r.IntN(9000))})
			}
			var sum int64
			for _, l := range lines {
				sum += l.Amount()
			}
			paidCents := sum + int64(r.IntN(int(sum/5)+1))
			e.order(t, webhooks.CheckoutOrder{ID: id, Affiliate: []string{"jane", "bob"}[r.IntN(2)], Lines: lines, PaidCents: paidCents})
			var refunded int64
			for step := range 6 {
				rf := webhooks.CheckoutRefund{ID: fmt.Sprintf("%s:r%d", id, step), OrderID: id}
				l := lines[r.IntN(len(lines))]
				switch r.IntN(3) {
				case 0: // Shopify, items with their money
					rf.Items = []webhooks.RefundItem{{SKU: l.SKU, Quantity: int64(1 + r.IntN(int(l.Quantity))), MoneyCapCents: int64(r.IntN(int(l.Amount()) + 1))}}
					rf.Amount = rf.Items[0].MoneyCapCents
				case 1: // money
					rf.Amount = int64(1 + r.IntN(int(paidCents)))
				case 2: // Stripe, a total so far
					rf.Total, rf.IsTotal = refunded+int64(r.IntN(int(paidCents))), true
				}
				var err error
				if r.IntN(4) == 0 { // a native refund of the same order
					status, _, raw := newEnvOn(t, e).send(t, e.orders, "webhook-orders",
						fmt.Sprintf(`{"id":"native-%s-%d","type":"order.refunded","occurred_at":"2026-11-20T09:00:00Z","order_id":%q}`, id, step, id))
					if status != 200 && status != 422 {
						err = fmt.Errorf("%d %s", status, raw)
					}
				} else {
					err = e.refund(t, rf)
				}
				var ae *apierr.Error
				if err != nil && !(errors.As(err, &ae) && ae.Code == "over_refund") {
					t.Fatalf("seed %d step %d: %v", seed, step, err)
				}
				o, gerr := e.st.GetTxn(context.Background(), store.TxnKey(id))
				if gerr != nil {
					t.Fatal(gerr)
				}
				refunded = o.RefundedCents
				earned, taken, _ := e.taken(t, id, "jane", "bob")
				for cid, c := range earned {
					if taken[cid] > c {
						t.Fatalf("seed %d step %d: %s took back %d of %d", seed, step, cid, taken[cid], c)
					}
					if o.RefundedCents >= paidCents && taken[cid] != c {
						t.Fatalf("seed %d step %d: refunded in full, %s took back %d of %d", seed, step, cid, taken[cid], c)
					}
				}
				if o.RefundedCents > paidCents {
					t.Fatalf("seed %d step %d: refunded %d of %d", seed, step, o.RefundedCents, paidCents)
				}
			}
		}
	})
}
