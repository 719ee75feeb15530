// Package payout holds the rules of SPEC section 9 as pure functions: the
// state of a ledger entry, an affiliate's balance, what a payout takes, when
// held money is released, and why nothing is payable yet. Storage and the
// order of writes live in package paying; nothing here reads or writes.
package payout

import (
	"fmt"
	"sort"
	"time"

	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/money"
)

// States of an entry, derived from its available_on and the payout that
// took it; never stored.
const (
	Held      = "held"
	Available = "available"
	InPayout  = "in_payout"
	Paid      = "paid"
)

// Statuses of a payout and of its items.
const (
	StatusDraft    = "draft"
	StatusPaid     = "paid"
	StatusCanceled = "canceled"
	StatusReturned = "returned" // items only
)

// Claim is how the payout that took an entry stands: its status, and whether
// the entry's item was returned. The zero Claim is an entry no payout took.
type Claim struct {
	PayoutID string
	Status   string // draft, paid, canceled, or "" while the payout is being created
	Returned bool
	// Abandoned: the payout was never finished and its request is long
	// over (it failed and was not repeated); its claims hold nothing.
	Abandoned bool
}

// Live says whether the claim still holds the entry: a canceled payout, a
// returned item or an abandoned payout gives its entries back.
func (c Claim) Live() bool {
	return c.PayoutID != "" && !c.Returned && !c.Abandoned && c.Status != StatusCanceled
}

// Creating says whether the entry is held by a payout still being created.
func (c Claim) Creating() bool { return c.Live() && c.Status == "" }

// State is an entry's state at asOf. An entry taken by a payout that is
// still being created (no status yet) is in that payout.
func State(availableOn time.Time, c Claim, asOf time.Time) string {
	if c.Live() {
		if c.Status == StatusPaid {
			return Paid
		}
		return InPayout
	}
	if availableOn.After(asOf) {
		return Held
	}
	return Available
}

// Balance is what an affiliate's entries add up to, by state. The four
// always sum to the sum of all entries.
type Balance struct {
	Held, Available, InPayout, Paid int64
}

// Add counts an amount in a state.
func (b *Balance) Add(state string, cents int64) {
	switch state {
	case Held:
		b.Held += cents
	case Available:
		b.Available += cents
	case InPayout:
		b.InPayout += cents
	case Paid:
		b.Paid += cents
	default:
		panic("payout: unknown state " + state)
	}
}

// Total is the sum of the four.
func (b Balance) Total() int64 { return b.Held + b.Available + b.InPayout + b.Paid }

// ClaimOf looks up how an entry stands with payouts.
type ClaimOf func(ledger.Entry) Claim

// BalanceOf adds up entries at asOf.
func BalanceOf(es []ledger.Entry, claim ClaimOf, asOf time.Time) Balance {
	var b Balance
	for _, e := range es {
		b.Add(State(e.AvailableOn, claim(e), asOf), e.AmountCents)
	}
	return b
}

// Take is what one payout takes from one affiliate: every entry available at
// asOf, positive and negative together, when their sum is positive and at
// least min. ok is false when it takes nothing (the entries stay available).
func Take(es []ledger.Entry, claim ClaimOf, asOf time.Time, min int64) (taken []ledger.Entry, sum int64, ok bool) {
	for _, e := range es {
		if State(e.AvailableOn, claim(e), asOf) == Available {
			taken = append(taken, e)
			sum += e.AmountCents
		}
	}
	if sum <= 0 || sum < min {
		return nil, sum, false
	}
	return taken, sum, true
}

// Release is money that stops being held on one day.
type Release struct {
	Date        string `json:"date"` // program time zone
	AmountCents int64  `json:"amount_cents"`
}

// NextRelease is the earliest day (in loc) on which held entries become
// available with a non-zero net amount; nil when none does.
func NextRelease(es []ledger.Entry, claim ClaimOf, asOf time.Time, loc *time.Location) *Release {
	byDay := map[string]int64{}
	for _, e := range es {
		if State(e.AvailableOn, claim(e), asOf) == Held {
			byDay[e.AvailableOn.In(loc).Format(time.DateOnly)] += e.AmountCents
		}
	}
	days := make([]string, 0, len(byDay))
	for d, n := range byDay {
		if n != 0 {
			days = append(days, d)
		}
	}
	if len(days) == 0 {
		return nil
	}
	sort.Strings(days)
	return &Release{Date: days[0], AmountCents: byDay[days[0]]}
}

// Payable says whether a payout made now would pay the affiliate, and when
// not, why, in plain words.
func Payable(b Balance, min int64, next *Release, currency string) (bool, string) {
	if b.Available > 0 && b.Available >= min {
		return true, ""
	}
	var why string
	switch {
	case b.Available < 0:
		why = fmt.Sprintf("Refunds of orders already paid out leave %s to be made up from future commissions before a payout.",
			money.Format(-b.Available, currency))
	case b.Available == 0 && b.InPayout > 0:
		why = fmt.Sprintf("%s is in a payout being prepared; nothing more is payable yet.", money.Format(b.InPayout, currency))
	case b.Available == 0:
		why = "Nothing is payable yet."
	default:
		why = fmt.Sprintf("Payable commissions (%s) are under the minimum payout of %s.",
			money.Format(b.Available, currency), money.Format(min, currency))
	}
	if next != nil && next.AmountCents > 0 {
		why += fmt.Sprintf(" %s more becomes payable on %s.", money.Format(next.AmountCents, currency), next.Date)
	}
	return false, why
}

// Span is the first and last date (in loc) of the entries a payout item took.
func Span(es []ledger.Entry, loc *time.Location) (from, to string) {
	for _, e := range es {
		d := e.At.In(loc).Format(time.DateOnly)
		if from == "" || d < from {
			from = d
		}
		if d > to {
			to = d
		}
	}
	return from, to
}
