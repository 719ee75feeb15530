package commission

import "testing"

func TestNetRevenueIsRevenueLessRefundsAndAWhollyRefundedOrderIsNone(t *testing.T) {
	two := func(refunded int64) SoldOrder {
		return SoldOrder{Rule: RefundRule, Lines: []SoldLine{{SKU: "A", Quantity: 2, UnitPriceCents: 9700, Refunded: refunded}, {SKU: "B", Quantity: 1, UnitPriceCents: 4700}}}
	}
	for _, c := range []struct {
		name     string
		o        SoldOrder
		net      int64
		refunded bool
	}{
		{"nothing refunded", two(0), 24100, false},
		{"one unit back", func() SoldOrder { o := two(1); o.Lines[0].ItemMoney = 9700; o.Refunded = 9700; return o }(), 14400, false},
		{"everything back", func() SoldOrder {
			o := two(2)
			o.Lines[1].Refunded = 1
			o.Lines[0].ItemMoney, o.Lines[1].ItemMoney, o.Refunded = 19400, 4700, 24100
			return o
		}(), 0, true},
		{"money back in full, units kept", SoldOrder{Rule: RefundRule, Paid: 5000, Refunded: 5000, Lines: []SoldLine{{SKU: "A", Quantity: 1, UnitPriceCents: 5000, Money: 5000}}}, 0, true},
	} {
		net, refunded := NetRevenue(c.o)
		if net != c.net || refunded != c.refunded {
			t.Errorf("%s: %d %v, want %d %v", c.name, net, refunded, c.net, c.refunded)
		}
	}
}

// The edges of "wholly refunded": an order without lines is not one; a
// line is back when all its units are; money back equal to what was paid
// is everything back.
func TestNetRevenueAtItsEdges(t *testing.T) {
	if net, refunded := NetRevenue(SoldOrder{Rule: RefundRule}); net != 0 || refunded {
		t.Errorf("no lines: %d %v, want 0 false", net, refunded)
	}
	units := SoldOrder{Rule: RefundRule, Lines: []SoldLine{{SKU: "A", Quantity: 2, UnitPriceCents: 100, Refunded: 2}}}
	if net, refunded := NetRevenue(units); net != 0 || !refunded {
		t.Errorf("every unit back, no money recorded: %d %v, want 0 true", net, refunded)
	}
	money := SoldOrder{Rule: RefundRule, Paid: 200, Refunded: 200, Lines: []SoldLine{{SKU: "A", Quantity: 2, UnitPriceCents: 100, Money: 200}}}
	if net, refunded := NetRevenue(money); net != 0 || !refunded {
		t.Errorf("money back equal to what was paid: %d %v, want 0 true", net, refunded)
	}
}
