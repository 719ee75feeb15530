package shopifyhook

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
)

// What a refund gives back, in the shop's money: the items with the money
// Shopify says it returned for each (subtotal and tax), and its successful
// refund transactions less shipping.
func TestRefundMoney(t *testing.T) {
	for _, c := range []struct {
		name, body string
		items      string
		amount     int64
	}{
		{"items with their subtotal and tax, merged by SKU",
			`{"id":1,"order_id":2,"processed_at":"2026-11-05T10:00:00Z","refund_line_items":[
			 {"line_item_id":11,"quantity":1,"subtotal":195.66,"total_tax":3.98,"line_item":{"id":11,"sku":"A","variant_id":5}},
			 {"line_item_id":12,"quantity":1,"subtotal":"195.67","total_tax":"3.98","line_item":{"id":12,"sku":"A","variant_id":5}},
			 {"line_item_id":13,"quantity":2,"subtotal_set":{"shop_money":{"amount":"10.00","currency_code":"USD"},"presentment_money":{"amount":"9.00","currency_code":"EUR"}},"subtotal":"9.00","line_item":{"id":13,"sku":"","variant_id":null}}],
			 "transactions":[{"kind":"refund","status":"success","amount":"209.00","currency":"USD"}]}`,
			"[{A 2 39929} {shopify-line:13 2 1000}]", 20900},
		{"shipping told twice comes off once, with its tax",
			`{"id":1,"order_id":2,"processed_at":"2026-11-05T10:00:00Z","refund_line_items":[],
			 "refund_shipping_lines":[{"subtotal_amount_set":{"shop_money":{"amount":"8.00","currency_code":"USD"}}}],
			 "order_adjustments":[{"kind":"shipping_refund","amount":"-8.00","tax_amount":"-0.64"},{"kind":"refund_discrepancy","amount":"-1.00"}],
			 "transactions":[{"kind":"refund","status":"success","amount":"20.00","currency":"USD"},{"kind":"sale","status":"success","amount":"99.00"}]}`,
			"[]", 2000 - 864},
	} {
		t.Run(c.name, func(t *testing.T) {
			var rf refund
			if err := json.Unmarshal([]byte(c.body), &rf); err != nil {
				t.Fatal(err)
			}
			cr, err := translateRefund(rf, "USD", func() (*webhooks.Presentment, error) { return nil, nil })
			if err != nil {
				t.Fatal(err)
			}
			got := "["
			for i, it := range cr.Items {
				if i > 0 {
					got += " "
				}
				got += fmt.Sprintf("{%s %d %d}", it.SKU, it.Quantity, it.MoneyCapCents)
			}
			if got += "]"; got != c.items || cr.Amount != c.amount {
				t.Errorf("items %s amount %d, want %s and %d", got, cr.Amount, c.items, c.amount)
			}
		})
	}
}
