// Package commission holds the rules of SPEC section 4.2 as pure functions:
// what each affiliate earns on each line of an order, and what a refund
// takes back.
package commission

import (
	"time"

	"github.com/tallyhq/tally/shared/domain/attribution"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/money"
	"github.com/tallyhq/tally/shared/domain/program"
)

// Line is one line of an order.
type Line struct {
	SKU            string `json:"sku"`
	Quantity       int64  `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	// AmountCents, when not 0, is the line's amount where it is not a whole
	// number of unit prices (a checkout's line after a discount).
	AmountCents int64 `json:"amount_cents,omitempty"`
	// PaidCents, when not 0, is what the buyer paid for the line, tax
	// included (a checkout's line): the refund rules' share of the order.
	PaidCents int64 `json:"paid_cents,omitempty"`
}

// Amount is what the line cost the buyer.
func (l Line) Amount() int64 {
	if l.AmountCents != 0 {
		return l.AmountCents
	}
	return l.Quantity * l.UnitPriceCents
}

// Referral is who referred an order, and how, as attribution decides it;
// Affiliate "" is nobody.
type Referral = attribution.Referral

// Order is a paid order as the rules see it.
type Order struct {
	ID       string
	At       time.Time
	Lines    []Line
	Referral Referral
}

// ReferralRate is the referrer's rate on a product: the plan's per-SKU rate,
// else its rate for the product's kind; ok is false when neither is set.
func ReferralRate(p *program.Program, affiliate string, prod *program.Product) (bp int64, rule string, ok bool) {
	a, found := p.Affiliate(affiliate)
	if !found {
		return 0, "", false
	}
	plan, found := p.Plan(a.Plan)
	if !found {
		return 0, "", false
	}
	if r, set := plan.ProductRatesBP[prod.SKU]; set {
		return r, ledger.RuleSKURate, true
	}
	if r, set := plan.RatesBP[prod.Kind]; set {
		return r, ledger.RuleKindRate, true
	}
	return 0, "", false
}

// SpeakerRate is the speaker's share of their own speaker product, from the
// speaker's plan.
func SpeakerRate(p *program.Program, prod *program.Product) (int64, bool) {
	if prod.Kind != program.KindSpeakerProduct || prod.Speaker == "" {
		return 0, false
	}
	a, ok := p.Affiliate(prod.Speaker)
	if !ok {
		return 0, false
	}
	plan, ok := p.Plan(a.Plan)
	if !ok {
		return 0, false
	}
	return plan.SpeakerRateBP, true
}

// Earn returns the commission entries of an order, in line order:
//   - a speaker product earns its speaker speaker_rate × amount, whoever
//     referred the buyer, and also when nobody did;
//   - the referrer earns their rate × amount on a line whose product belongs
//     to an event they are enrolled in (so credit crosses events when they
//     are set up for both);
//   - one commission per affiliate per line: a referrer who is the line's
//     speaker gets only the speaker commission;
//   - amounts round half away from zero; a commission of 0 is not written.
//
// An unknown SKU has no product, so it earns nothing.
func Earn(p *program.Program, o Order) []ledger.Entry {
	hold := time.Duration(p.HoldDays()) * 24 * time.Hour
	var out []ledger.Entry
	for _, l := range o.Lines {
		prod, ok := p.Product(l.SKU)
		if !ok {
			continue
		}
		amount := l.Amount()
		base := ledger.Entry{
			At: o.At, OrderID: o.ID, SKU: l.SKU, Event: prod.Event,
			Quantity: l.Quantity, BasisCents: amount, AvailableOn: o.At.Add(hold),
		}
		speaker := ""
		if bp, ok := SpeakerRate(p, prod); ok {
			speaker = prod.Speaker
			if c := money.Rate(amount, bp); c != 0 {
				e := base
				e.ID, e.Affiliate, e.Type, e.Rule = ledger.CommissionID(o.ID, l.SKU, ledger.TypeSpeaker), speaker, ledger.TypeSpeaker, ledger.RuleSpeakerRate
				e.RateBP, e.AmountCents = bp, c
				out = append(out, e)
			}
		}
		ref := o.Referral.Affiliate
		if ref == "" || ref == speaker || !p.Enrolled(ref, prod.Event) {
			continue
		}
		bp, rule, ok := ReferralRate(p, ref, prod)
		if !ok {
			continue
		}
		if c := money.Rate(amount, bp); c != 0 {
			e := base
			e.ID, e.Affiliate, e.Type, e.Rule = ledger.CommissionID(o.ID, l.SKU, ledger.TypeReferral), ref, ledger.TypeReferral, rule
			e.RateBP, e.AmountCents = bp, c
			e.Via, e.LinkEvent, e.Sub, e.Coupon = o.Referral.Via, o.Referral.LinkEvent, o.Referral.Sub, o.Referral.Coupon
			out = append(out, e)
		}
	}
	return out
}

// Speakers are the speakers of lines' products: with the referrer, the only
// affiliates Earn looks up.
func Speakers(p *program.Program, lines []Line) []string {
	var out []string
	for _, l := range lines {
		if prod, ok := p.Product(l.SKU); ok && prod.Kind == program.KindSpeakerProduct && prod.Speaker != "" {
			out = append(out, prod.Speaker)
		}
	}
	return out
}
