package devserver_test

import (
	"fmt"
	"testing"
)

// A refund whose clawback rounds to 0 still counts in products sold: the
// buyer got their money back even though no commission was taken back. Kim
// earns 33.33% of 4 cents (1 cent) on four GUT-TRN; refunding one takes
// back round(1 × 1/4) = 0, yet one unit and its cent were refunded.
func TestProductsSoldCountsARefundWhoseClawbackRoundsToZero(t *testing.T) {
	x := start(t)
	x.order("o-tiny", 0, "GUT-TRN", 4, 1)
	if m := x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"r-tiny","type":"order.refunded","occurred_at":%q,"order_id":"o-tiny","items":[{"sku":"GUT-TRN","quantity":1}]}`, x.at())); len(m["clawbacks"].([]any)) != 0 {
		t.Fatalf("the refund took back %v, want nothing", m["clawbacks"])
	}
	x.refund("r-rest", "o-tiny", "GUT-TRN", 3) // the rest takes back the cent
	var ps struct{ Products []map[string]any }
	x.json("/reports/products-sold?month=2026-11", "dev-kim-key", &ps)
	if len(ps.Products) != 1 {
		t.Fatalf("products %v", ps.Products)
	}
	got := ps.Products[0]
	if got["quantity"] != 4.0 || got["revenue_cents"] != 4.0 || got["commission_cents"] != 1.0 ||
		got["refunded_quantity"] != 4.0 || got["refunded_cents"] != 4.0 {
		t.Errorf("kim's GUT-TRN: %v, want 4 sold for 4 cents, 1 earned, all 4 refunded for 4 cents", got)
	}
	var led struct {
		Totals  map[string]int64
		Entries []map[string]any
	}
	x.json("/reports/ledger?month=2026-11", "dev-kim-key", &led)
	if len(led.Entries) != 2 || led.Totals["net_cents"] != 0 {
		t.Errorf("kim's ledger: %v (the zero clawback is no entry)", led)
	}
}
