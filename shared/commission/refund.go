package commission

import (
	"fmt"
	"time"

	"github.com/tallyhq/tally/shared/ledger"
)

// SoldLine is one line of a recorded order: what was sold, how much of it
// has been refunded, and the commissions it earned.
type SoldLine struct {
	SKU            string         `json:"sku"`
	Quantity       int64          `json:"quantity"`
	UnitPriceCents int64          `json:"unit_price_cents"`
	AmountCents    int64          `json:"amount_cents,omitempty"` // when not Quantity × UnitPriceCents
	Refunded       int64          `json:"refunded"`
	Earned         []ledger.Entry `json:"earned,omitempty"` // the commissions written for this line
}

// Refunded is what a refund does to an order.
type Refunded struct {
	// Lines are the order's lines with their new refunded quantities.
	Lines []SoldLine
	// Clawbacks take back, for each commission of a refunded line, its
	// share of the refunded units (SPEC 4.2), when that is not 0.
	Clawbacks []ledger.Entry
	// Unclawed are the same records for the commissions whose share rounds
	// to 0: nothing is taken back, so they are no ledger entries, but the
	// refund of their units still counts in products sold.
	Unclawed []ledger.Entry
}

// OverRefundError is a refund the order cannot take: more units than are
// left on a line, a SKU the order does not have, or a refund of everything
// when everything is refunded already.
type OverRefundError struct{ Message string }

func (e *OverRefundError) Error() string { return e.Message }

func overRefund(format string, args ...any) error {
	return &OverRefundError{Message: fmt.Sprintf(format, args...)}
}

// Refund applies a refund to an order's lines: items are the SKUs and
// quantities refunded, or, with all, every unit not yet refunded. A refund
// is taken whole or not at all: any line it cannot take is an
// OverRefundError and nothing is returned.
func Refund(lines []SoldLine, refundID string, at time.Time, items []Line, all bool) (Refunded, error) {
	want := map[string]int64{}
	if all {
		for _, l := range lines {
			if left := l.Quantity - l.Refunded; left > 0 {
				want[l.SKU] = left
			}
		}
		if len(want) == 0 {
			return Refunded{}, overRefund("already refunded in full")
		}
	} else {
		for _, it := range items {
			want[it.SKU] += it.Quantity
		}
	}
	out := Refunded{Lines: append([]SoldLine(nil), lines...)}
	inOrder := map[string]bool{}
	for i, l := range out.Lines {
		inOrder[l.SKU] = true
		q, ok := want[l.SKU]
		if !ok {
			continue
		}
		if l.Refunded+q > l.Quantity {
			return Refunded{}, overRefund("refunding %d of %s, but %d of %d are left to refund", q, l.SKU, l.Quantity-l.Refunded, l.Quantity)
		}
		for _, c := range l.Earned {
			cb := clawback(c, refundID, at, l.UnitPriceCents, l.Refunded, l.Refunded+q)
			if cb.AmountCents != 0 {
				out.Clawbacks = append(out.Clawbacks, cb)
			} else {
				out.Unclawed = append(out.Unclawed, cb)
			}
		}
		out.Lines[i].Refunded += q
	}
	for _, it := range items {
		if !inOrder[it.SKU] {
			return Refunded{}, overRefund("SKU %q is not in the order", it.SKU)
		}
	}
	return out, nil
}
