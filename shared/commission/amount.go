package commission

import (
	"time"

	"github.com/tallyhq/tally/shared/ledger"
	"github.com/tallyhq/tally/shared/money"
)

// MoneyRefund is a refund of money rather than items (SPEC 10's amount
// rule): of an order whose buyer paid Paid in all (tax included), the money
// refunded goes from Before to After with this refund.
type MoneyRefund struct {
	ID            string
	At            time.Time
	Paid          int64
	Before, After int64
}

// Valid reports whether the refund fits the order: 0 <= Before <= After <=
// Paid. After above Paid is an over-refund.
func (m MoneyRefund) Valid() bool {
	return m.Paid > 0 && 0 <= m.Before && m.Before <= m.After && m.After <= m.Paid
}

// LineState is what an order line stands at before a money refund: its
// amount, units, and units already refunded as items.
type LineState struct {
	Amount, Quantity, RefundedUnits int64
}

// AmountClawback is the entry a money refund writes against one commission
// c earned on a line: round(C×R/A) − round(C×r/A), the cumulative rounding
// of section 4, so a full refund takes back exactly C; never more than what
// item refunds left of C. Its basis is the line's money refunded in the same
// proportion, round(a×R/A) − round(a×r/A), and its quantity the line's units
// not yet refunded when this refund completes the order's. ok is false when
// it takes nothing: the entry is then no ledger entry, but its record still
// counts the money refunded in products sold. It panics unless m.Valid():
// callers refuse an over-refund (422) first.
func AmountClawback(c ledger.Entry, m MoneyRefund, l LineState) (ledger.Entry, bool) {
	if !m.Valid() {
		panic("commission: AmountClawback needs 0 <= before <= after <= paid")
	}
	take := money.Prorate(c.AmountCents, m.After, m.Paid) - money.Prorate(c.AmountCents, m.Before, m.Paid)
	left := c.AmountCents - money.Prorate(c.AmountCents, l.RefundedUnits, l.Quantity) - money.Prorate(c.AmountCents, m.Before, m.Paid)
	take = min(take, max(left, 0))
	var units int64
	if m.After == m.Paid {
		units = l.Quantity - l.RefundedUnits
	}
	avail := m.At
	if c.AvailableOn.After(avail) {
		avail = c.AvailableOn // a refund inside the hold cancels before payable
	}
	return ledger.Entry{
		ID: ledger.ClawbackID(m.ID, c.SKU, c.Type), Affiliate: c.Affiliate, At: m.At,
		Type: ledger.TypeClawback, Rule: ledger.RuleClawback,
		OrderID: c.OrderID, RefundID: m.ID, SKU: c.SKU, Event: c.Event,
		Quantity:   units,
		BasisCents: money.Prorate(l.Amount, m.After, m.Paid) - money.Prorate(l.Amount, m.Before, m.Paid),
		RateBP:     c.RateBP, AmountCents: -take,
		OrderAt: c.At, Reverses: c.ID, AvailableOn: avail,
	}, take != 0
}
