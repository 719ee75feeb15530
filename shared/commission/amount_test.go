package commission

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/tallyhq/tally/shared/ledger"
)

func TestAmountClawback(t *testing.T) {
	jane := ledger.Entry{ID: "o:o1:SUM26-REC:referral", Affiliate: "jane", At: at, Type: ledger.TypeReferral,
		OrderID: "o1", SKU: "SUM26-REC", Event: "summit-2026", Quantity: 1, BasisCents: 9700, RateBP: 5000, AmountCents: 4850, AvailableOn: at}
	two := jane
	two.Quantity, two.BasisCents, two.AmountCents = 2, 200, 100
	one := jane
	one.AmountCents, one.BasisCents = 1, 2
	line := LineState{Amount: 9700, Quantity: 1}
	for _, c := range []struct {
		name        string
		c           ledger.Entry
		m           MoneyRefund
		l           LineState
		ok          bool
		take, basis int64
		units       int64
	}{
		{"half of an order paid with tax", jane, MoneyRefund{Paid: 10476, Before: 0, After: 5238}, line, true, -2425, 4850, 0},
		{"the rest of it: the line's units too", jane, MoneyRefund{Paid: 10476, Before: 5238, After: 10476}, line, true, -2425, 4850, 1},
		{"all at once takes exactly C", jane, MoneyRefund{Paid: 10476, Before: 0, After: 10476}, line, true, -4850, 9700, 1},
		{"a third rounds to nothing", one, MoneyRefund{Paid: 3, Before: 0, After: 1}, LineState{Amount: 2, Quantity: 1}, false, 0, 1, 0},
		{"two thirds rounds up (cumulative)", one, MoneyRefund{Paid: 3, Before: 1, After: 2}, LineState{Amount: 2, Quantity: 1}, true, -1, 0, 0},
		{"the last third takes nothing more", one, MoneyRefund{Paid: 3, Before: 2, After: 3}, LineState{Amount: 2, Quantity: 1}, false, 0, 1, 1},
		{"half rounds half away from zero", jane, MoneyRefund{Paid: 3, Before: 0, After: 1}, line, true, -1617, 3233, 0},
		{"an item refund's share is left alone", two, MoneyRefund{Paid: 200, Before: 0, After: 200}, LineState{Amount: 200, Quantity: 2, RefundedUnits: 1}, true, -50, 200, 1},
		{"nothing refunded now", jane, MoneyRefund{Paid: 10476, Before: 500, After: 500}, line, false, 0, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.m.ID, c.m.At = "stripe:evt_1", at.Add(48*3600e9)
			got, ok := AmountClawback(c.c, c.m, c.l)
			if ok != c.ok || got.AmountCents != c.take || got.BasisCents != c.basis || got.Quantity != c.units {
				t.Fatalf("AmountClawback = %v, take %d basis %d units %d; want %v, %d, %d, %d", ok, got.AmountCents, got.BasisCents, got.Quantity, c.ok, c.take, c.basis, c.units)
			}
			if ok && (got.Type != ledger.TypeClawback || got.Reverses != c.c.ID || got.RefundID != "stripe:evt_1" || got.ID != ledger.ClawbackID("stripe:evt_1", "SUM26-REC", ledger.TypeReferral) || !got.OrderAt.Equal(at)) {
				t.Errorf("entry does not say what it reverses: %+v", got)
			}
		})
	}
	for _, m := range []MoneyRefund{{Paid: 100, Before: 0, After: 101}, {Paid: 100, Before: 50, After: 40}, {Paid: 0, Before: 0, After: 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AmountClawback(%+v) did not refuse it", m)
				}
			}()
			AmountClawback(jane, m, line)
		}()
	}
}

// However a paid total is refunded, in any steps, the clawbacks take back
// exactly what was earned, never more at any step, and the money shown
// refunded on the line (by the entries and the records of clawbacks that
// round to nothing) adds up to its amount.
func TestAmountRuleAddsUp(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		earned := rapid.Int64Range(1, 1_000_000).Draw(t, "earned")
		amount := rapid.Int64Range(earned, 10_000_000).Draw(t, "amount")
		paid := amount + rapid.Int64Range(0, 1_000_000).Draw(t, "tax")
		c := ledger.Entry{AmountCents: earned, Quantity: 3, BasisCents: amount, SKU: "X", Type: ledger.TypeReferral}
		var refunded, taken, basis int64
		for refunded < paid {
			step := rapid.Int64Range(1, paid-refunded).Draw(t, "step")
			cb, _ := AmountClawback(c, MoneyRefund{Paid: paid, Before: refunded, After: refunded + step}, LineState{Amount: amount, Quantity: 3})
			refunded += step
			taken -= cb.AmountCents
			basis += cb.BasisCents
			if taken > earned || cb.AmountCents > 0 {
				t.Fatalf("took %d of %d", taken, earned)
			}
		}
		if taken != earned || basis != amount {
			t.Fatalf("a full refund took %d of %d and showed %d of %d refunded", taken, earned, basis, amount)
		}
	})
}

// A discounted line's amount is not a whole number of unit prices: an item
// refund shows its money in proportion, and the units refunded add up to it.
func TestClawbackBasisOfADiscountedLine(t *testing.T) {
	c := ledger.Entry{ID: "o:o:X:referral", SKU: "X", Type: ledger.TypeReferral, Quantity: 3, BasisCents: 1000, AmountCents: 500}
	var basis []int64
	for r := int64(0); r < 3; r++ {
		cb, _ := Clawback(c, "r", at, 333, r, r+1)
		basis = append(basis, cb.BasisCents)
	}
	if basis[0] != 333 || basis[1] != 334 || basis[2] != 333 {
		t.Errorf("bases %v, want [333 334 333] (round(1000×R/3) cumulatively)", basis)
	}
	plain := ledger.Entry{SKU: "Y", Type: ledger.TypeReferral, Quantity: 3, BasisCents: 900, AmountCents: 450}
	if cb, _ := Clawback(plain, "r", at, 300, 1, 3); cb.BasisCents != 600 {
		t.Errorf("a whole-unit line's basis = %d, want 600", cb.BasisCents)
	}
}
