package commission

import (
	"fmt"
	"math/bits"
	"time"

	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/money"
)

// SoldLine is one line of a recorded order: what was sold, what has been
// refunded of it, and the commissions it earned with what has been taken
// back of each.
type SoldLine struct {
	SKU            string         `json:"sku"`
	Quantity       int64          `json:"quantity"`
	UnitPriceCents int64          `json:"unit_price_cents"`
	AmountCents    int64          `json:"amount_cents,omitempty"` // when not Quantity × UnitPriceCents
	PaidCents      int64          `json:"paid_cents,omitempty"`   // what the buyer paid for it, tax included, when known
	Refunded       int64          `json:"refunded"`               // units refunded by items (all of them once the order is)
	Earned         []ledger.Entry `json:"earned,omitempty"`       // the commissions written for this line
	// ItemMoney and Money are the money refunded on the line by refunds of
	// its items and by its share of refunds of money (in the terms of the
	// order's Paid: tax included); Clawed is what has been taken back of
	// each of Earned.
	ItemMoney int64   `json:"item_money,omitempty"`
	Money     int64   `json:"money,omitempty"`
	Clawed    []int64 `json:"clawed,omitempty"`
	// Overrides are the recruiters' overrides of Earned (SPEC 16): each
	// clawed back in proportion to what is taken of the commission it
	// follows (Of), so they need no clawed amounts of their own.
	Overrides []ledger.Entry `json:"overrides,omitempty"`
}

func (l SoldLine) amount() int64 {
	return Line{Quantity: l.Quantity, UnitPriceCents: l.UnitPriceCents, AmountCents: l.AmountCents}.Amount()
}

// RefundRule is the version of the refund rule an order's record follows:
// records without it were written by the rules that kept refunds by items
// and of money apart, and are read into this rule's terms first.
const RefundRule = 2

// SoldOrder is a recorded order as the refund rules see it.
type SoldOrder struct {
	// Paid is A: what the buyer paid for the lines, tax included (0: the sum
	// of the lines' amounts). Refunded is R: the money refunded so far by
	// every kind of refund, never above A.
	Paid, Refunded int64
	Rule           int
	Lines          []SoldLine
}

// RefundItem is units of one SKU refunded by items; MoneyCap is the most
// money the checkout returned for them (ignored when the refund is ByUnits).
type RefundItem struct {
	SKU      string
	Quantity int64
	MoneyCap int64
}

// Refund is one refund of an order: by items, by money, or both.
type Refund struct {
	ID    string
	At    time.Time
	Items []RefundItem
	// ByUnits: the money of each item is its units' share of its line
	// (section 4's refunds, whose sender names items, not money).
	ByUnits bool
	// All refunds everything not yet refunded (section 4's refund without
	// items): every unit left, and all the money left.
	All bool
	// Money is the refund's money (not ByUnits), shipping left out: it goes
	// to Items first, up to each one's MoneyCap and what is left of its line,
	// and the rest is shared over the order.
	Money int64
	// ToTotal: Money is the money refunded on the order so far in all
	// (Stripe's amount_refunded), and this refund is what it adds to what is
	// recorded; nothing when it adds nothing (a late, smaller total).
	ToTotal bool
}

// Refunded is what a refund does to an order.
type Refunded struct {
	Order SoldOrder
	// Clawbacks take back from each commission of a line the refund
	// touched what the rule says, when that is not 0.
	Clawbacks []ledger.Entry
	// Unclawed are the same records for the commissions whose share is 0:
	// nothing is taken back, so they are no ledger entries, but the units
	// and money refunded still count in products sold.
	Unclawed []ledger.Entry
	// Excess is money beyond what the buyer paid: not applied.
	Excess int64
	// Stale: a ToTotal refund whose total is not above what is recorded;
	// it changes nothing.
	Stale bool
}

// OverRefundError is a refund the order cannot take: more units than are
// left on a line, a SKU the order does not have, or a refund of everything
// when everything is refunded already.
type OverRefundError struct{ Message string }

func (e *OverRefundError) Error() string { return e.Message }

func overRefund(format string, args ...any) error {
	return &OverRefundError{Message: fmt.Sprintf(format, args...)}
}

// lineRefund is what one refund does to one line, before it becomes entries.
type lineRefund struct {
	units   int64   // units this refund refunds on the line
	take    []int64 // taken from each commission
	touched bool
}

// ApplyRefund applies a refund to an order (SPEC 10, refunds of items and of
// money together). Every refund counts as money refunded. A refund by items
// takes, from each commission of each refunded line only,
// min(C − clawed, round(C×U/Q) − round(C×U₀/Q)). Money is shared over the
// lines not wholly refunded by items, in proportion to what is not yet
// refunded of each (largest remainder), and takes on each line
// min(C − clawed, round(C×M/P) − round(C×M₀/P)), P the line's share of
// what was paid. Once R reaches A every commission is taken back exactly.
// Money beyond A is Excess. Units beyond what is left, or a SKU the order
// does not have, is an OverRefundError and nothing is returned.
func ApplyRefund(o SoldOrder, r Refund) (Refunded, error) {
	o = normalize(o) // a copy: the order given is never changed
	if r.ToTotal {
		if r.Money <= o.Refunded {
			return Refunded{Order: o, Stale: true}, nil
		}
		r.Money -= o.Refunded
	}
	a := o.Paid
	share := paidShares(o)
	out := Refunded{Order: normalize(o)} // the copy this refund changes
	lines := out.Order.Lines
	effects := make([]lineRefund, len(lines))
	for i := range effects {
		effects[i].take = make([]int64, len(lines[i].Earned))
	}

	// Units by items, merged per SKU (the same SKU twice is both quantities).
	want := map[string]*RefundItem{}
	var order []string
	if r.All {
		for _, l := range lines {
			if left := l.Quantity - l.Refunded; left > 0 {
				want[l.SKU] = &RefundItem{SKU: l.SKU, Quantity: left}
				order = append(order, l.SKU)
			}
		}
		// Once R reaches A every unit counts as refunded (records of the
		// older rule may still show units left).
		if o.Refunded >= a {
			return Refunded{}, overRefund("already refunded in full")
		}
	}
	for _, it := range r.Items {
		if w, ok := want[it.SKU]; ok {
			w.Quantity += it.Quantity
			w.MoneyCap += it.MoneyCap
			continue
		}
		c := it
		want[it.SKU] = &c
		order = append(order, it.SKU)
	}
	at := map[string]int{}
	for i, l := range lines {
		at[l.SKU] = i
	}
	for _, sku := range order {
		i, ok := at[sku]
		if !ok {
			return Refunded{}, overRefund("SKU %q is not in the order", sku)
		}
		if l := lines[i]; l.Refunded+want[sku].Quantity > l.Quantity {
			return Refunded{}, overRefund("refunding %d of %s, but %d of %d are left to refund", want[sku].Quantity, sku, l.Quantity-l.Refunded, l.Quantity)
		}
	}

	left := r.Money // money of the refund not yet assigned
	if r.ByUnits {
		left = 0
	}
	for _, sku := range order {
		i := at[sku]
		l, w := &lines[i], want[sku]
		u0, u := l.Refunded, l.Refunded+w.Quantity
		room := share[i] - l.ItemMoney - l.Money
		var m int64
		if r.ByUnits {
			m = money.Prorate(share[i], u, l.Quantity) - money.Prorate(share[i], u0, l.Quantity)
		} else {
			m = min(w.MoneyCap, left)
			left -= m
		}
		capped := min(m, room) // a line is never refunded more than was paid for it
		if !r.ByUnits {
			left += m - capped
		}
		m = capped
		l.ItemMoney += m
		out.Order.Refunded += m
		// Each line comes once here (SKUs are merged), and first.
		for k, c := range l.Earned {
			t := min(c.AmountCents-l.Clawed[k], money.Prorate(c.AmountCents, u, l.Quantity)-money.Prorate(c.AmountCents, u0, l.Quantity))
			l.Clawed[k] += t
			effects[i].take[k] = t
		}
		l.Refunded = u
		effects[i].units = w.Quantity
		effects[i].touched = true
	}

	// Money for the order.
	if r.All {
		left = a - out.Order.Refunded
	}
	out.Excess = max(min(out.Order.Refunded+left-a, left), 0) // money beyond A
	left -= out.Excess
	rooms := make([]int64, len(lines))
	var sum int64
	for i, l := range lines {
		if l.Refunded < l.Quantity {
			rooms[i] = max(share[i]-l.ItemMoney-l.Money, 0)
			sum += rooms[i]
		}
	}
	// Each line takes at most its room; what none can take still counts.
	for i, s := range largestRemainder(min(left, sum), rooms) {
		if s == 0 {
			continue
		}
		l := &lines[i]
		m0 := l.Money
		l.Money += s
		for k, c := range l.Earned {
			t := min(c.AmountCents-l.Clawed[k], money.Prorate(c.AmountCents, l.Money, share[i])-money.Prorate(c.AmountCents, m0, share[i]))
			l.Clawed[k] += t
			effects[i].take[k] += t
		}
		effects[i].touched = true
	}
	out.Order.Refunded += left

	// Refunded in full: every commission is taken back exactly, every unit
	// counts as refunded, every line's money is all of its share.
	if out.Order.Refunded >= a && (o.Refunded < a || r.All) {
		out.Order.Refunded = a
		for i := range lines {
			l := &lines[i]
			for k, c := range l.Earned {
				effects[i].take[k] += c.AmountCents - l.Clawed[k]
				l.Clawed[k] = c.AmountCents
			}
			effects[i].units += l.Quantity - l.Refunded
			l.Refunded = l.Quantity
			l.Money = share[i] - l.ItemMoney
			effects[i].touched = true
		}
	}

	for i, e := range effects {
		if !e.touched {
			continue
		}
		before, after := o.Lines[i], lines[i]
		basis := reported(after, share[i]) - reported(before, share[i])
		for k, c := range after.Earned {
			cb := clawbackEntry(c, r.ID, r.At, e.units, basis, e.take[k])
			switch {
			case cb.AmountCents != 0:
				out.Clawbacks = append(out.Clawbacks, cb)
			case cb.Quantity != 0 || cb.BasisCents != 0:
				out.Unclawed = append(out.Unclawed, cb)
			}
			for _, ov := range after.Overrides {
				if ov.Of != c.ID {
					continue
				}
				if take := OverrideClawback(ov.AmountCents, c.AmountCents, before.Clawed[k], after.Clawed[k]); take != 0 {
					cb := clawbackEntry(ov, r.ID, r.At, e.units, after.Clawed[k]-before.Clawed[k], take)
					cb.ID, cb.Recruit = ledger.OverrideClawbackID(r.ID, c.SKU, c.Type), ov.Recruit
					out.Clawbacks = append(out.Clawbacks, cb)
				}
			}
		}
	}
	return out, nil
}

// reported is the money refunded on a line as products sold shows it: in
// the line's own terms (before tax), at most its amount.
func reported(l SoldLine, share int64) int64 {
	if share == 0 {
		return 0
	}
	return min(money.Prorate(l.amount(), l.ItemMoney+l.Money, share), l.amount())
}

// clawbackEntry is a refund's entry against one commission.
func clawbackEntry(c ledger.Entry, refundID string, at time.Time, units, basis, take int64) ledger.Entry {
	avail := at
	if c.AvailableOn.After(avail) {
		avail = c.AvailableOn // a refund inside the hold cancels before payable
	}
	return ledger.Entry{
		ID: ledger.ClawbackID(refundID, c.SKU, c.Type), Affiliate: c.Affiliate, At: at,
		Type: ledger.TypeClawback, Rule: ledger.RuleClawback,
		OrderID: c.OrderID, RefundID: refundID, SKU: c.SKU, Event: c.Event,
		Quantity: units, BasisCents: basis, RateBP: c.RateBP, AmountCents: -take,
		OrderAt: c.At, Reverses: c.ID, AvailableOn: avail, Sub: c.Sub,
	}
}

// paidShares is each line's share of A: what the buyer paid for it when
// the checkout said so, else A shared in proportion to the lines' amounts
// (largest remainder), so the shares add up to A exactly.
func paidShares(o SoldOrder) []int64 {
	if paid, ok := linesPaid(o); ok {
		return paid
	}
	amounts := make([]int64, len(o.Lines))
	for i, l := range o.Lines {
		amounts[i] = l.amount()
	}
	return largestRemainder(o.Paid, amounts) // the amounts themselves when they add up to A
}

// linesPaid is what the buyer paid for each line, when every line says.
func linesPaid(o SoldOrder) ([]int64, bool) {
	out := make([]int64, len(o.Lines))
	for i, l := range o.Lines {
		if l.PaidCents <= 0 {
			return nil, false
		}
		out[i] = l.PaidCents
	}
	return out, true
}

// largestRemainder shares total over weights in proportion, each share
// floored and the rest given a unit at a time to the largest remainders
// (ties to the earlier), so the shares add up to total exactly.
func largestRemainder(total int64, weights []int64) []int64 {
	out := make([]int64, len(weights))
	var sum int64
	for _, w := range weights {
		sum += w
	}
	if sum <= 0 || total <= 0 {
		return out
	}
	rems := make([]int64, len(weights))
	var given int64
	for i, w := range weights {
		out[i], rems[i] = mulDiv(total, w, sum)
		given += out[i]
	}
	// Fewer units are left than remainders above 0, so the largest is one.
	for ; given < total; given++ {
		best := 0
		for i, rm := range rems {
			if rm > rems[best] {
				best = i
			}
		}
		out[best]++
		rems[best] = 0
	}
	return out
}

// mulDiv is a×b/d floored, and its remainder, for non-negative a, b and
// d > 0: the product is kept in 128 bits, and the quotient fits for any
// amounts an order can have (each at most 10^12).
func mulDiv(a, b, d int64) (q, r int64) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	uq, ur := bits.Div64(hi, lo, uint64(d))
	return int64(uq), int64(ur)
}

// normalize copies an order, filling what older records lack: each
// commission's clawed amount and the lines' refunded money, from the rules
// those records were written under (units by items; money in proportion to
// what was paid, counted apart).
func normalize(o SoldOrder) SoldOrder {
	out := o
	out.Lines = make([]SoldLine, len(o.Lines))
	for i, l := range o.Lines {
		l.Earned = append([]ledger.Entry(nil), l.Earned...)
		l.Clawed = append([]int64(nil), l.Clawed...)
		for len(l.Clawed) < len(l.Earned) {
			l.Clawed = append(l.Clawed, 0)
		}
		out.Lines[i] = l
	}
	if paid, ok := linesPaid(out); ok {
		out.Paid = 0
		for _, p := range paid {
			out.Paid += p
		}
	}
	if out.Paid <= 0 {
		for _, l := range out.Lines {
			out.Paid += l.amount()
		}
	}
	if o.Rule >= RefundRule || out.Paid <= 0 {
		return out
	}
	share := paidShares(out)
	// Money refunded in full (moneyR >= A) takes every commission and the
	// whole of A through the caps below.
	moneyR := o.Refunded
	out.Refunded = moneyR
	for i := range out.Lines {
		l := &out.Lines[i]
		l.ItemMoney = money.Prorate(share[i], l.Refunded, l.Quantity)
		l.Money = min(money.Prorate(share[i], moneyR, out.Paid), share[i]-l.ItemMoney)
		out.Refunded += l.ItemMoney
		for k, c := range l.Earned {
			l.Clawed[k] = min(c.AmountCents, money.Prorate(c.AmountCents, l.Refunded, l.Quantity)+money.Prorate(c.AmountCents, moneyR, out.Paid))
		}
	}
	out.Refunded = min(out.Refunded, out.Paid)
	out.Rule = RefundRule
	return out
}
