// Package ledger holds the affiliate ledger's entry: what an affiliate earned,
// lost or was adjusted, and why. Entries are append-only; their money and
// dates never change once written.
package ledger

import "time"

// Entry types.
const (
	TypeReferral   = "referral"
	TypeSpeaker    = "speaker"
	TypeClawback   = "clawback"
	TypeAdjustment = "adjustment"
	// TypeOverride is a recruiter's share of a recruit's commission (SPEC
	// 16): earned like a commission, never itself the basis of one.
	TypeOverride = "override"
)

// Rules: why an entry exists.
const (
	RuleKindRate    = "kind_rate"
	RuleSKURate     = "sku_rate"
	RuleSpeakerRate = "speaker_rate"
	RuleClawback    = "clawback"
	RuleAdjustment  = "adjustment"
	RuleOverride    = "override_bp"
)

// Via: how a buyer was tied to the referring affiliate.
const (
	ViaClick     = "click"
	ViaAffiliate = "affiliate"
	ViaContact   = "contact"
	// ViaSubscription: an invoice of a subscription the affiliate referred.
	ViaSubscription = "subscription"
	// ViaCoupon: the order carried one of the affiliate's coupon codes.
	ViaCoupon = "coupon"
)

// Entry is one line of an affiliate's ledger.
type Entry struct {
	ID        string    `json:"id"`
	Affiliate string    `json:"affiliate"`
	At        time.Time `json:"at"` // when the order, refund or adjustment happened
	Type      string    `json:"type"`
	Rule      string    `json:"rule"`

	OrderID  string `json:"order_id,omitempty"`
	RefundID string `json:"refund_id,omitempty"`
	SKU      string `json:"sku,omitempty"`
	Event    string `json:"event,omitempty"` // the product's event

	// Quantity is the units sold (commission) or refunded (clawback);
	// BasisCents the money they stand for (quantity × unit price).
	Quantity    int64 `json:"quantity,omitempty"`
	BasisCents  int64 `json:"basis_cents"`
	RateBP      int64 `json:"rate_bp"`
	AmountCents int64 `json:"amount_cents"`

	// OriginalCurrency and OriginalBasis are, for a commission on an order
	// the buyer paid in another currency than the program's (a Stripe
	// charge converted at the rate it settled at), that currency and the
	// line's amount in its minor units; BasisCents is the converted amount.
	OriginalCurrency string `json:"original_currency,omitempty"`
	OriginalBasis    int64  `json:"original_basis,omitempty"`

	Via       string `json:"via,omitempty"`        // referral only
	LinkEvent string `json:"link_event,omitempty"` // referral only: the event of the link the buyer came in on
	Sub       string `json:"sub,omitempty"`        // referral and its clawbacks: the link's channel tag, if any
	Coupon    string `json:"coupon,omitempty"`     // referral via coupon: the code the order carried

	// OrderAt is, for a clawback, when the order it reverses happened;
	// Reverses is the id of the commission entry it takes back from.
	OrderAt  time.Time `json:"order_at,omitzero"`
	Reverses string    `json:"reverses,omitempty"`
	Reason   string    `json:"reason,omitempty"` // adjustment

	// Of is, for an override, the id of the recruit's commission it
	// follows; Recruit, on an override and its clawbacks, is that recruit.
	Of      string `json:"of,omitempty"`
	Recruit string `json:"recruit,omitempty"`

	// AvailableOn is when the entry becomes payable (SPEC section 9), set
	// once when written.
	AvailableOn time.Time `json:"available_on"`

	// Claim names the payout item that took the entry ("<payout>/<affiliate>"),
	// set and removed by payouts; the entry's money and dates never change.
	Claim string `json:"claim,omitempty"`
}

// CommissionID is the id of the commission an affiliate earns on one order
// line: at most one per (order, SKU, affiliate), so the id is derived.
func CommissionID(orderID, sku, typ string) string { return "o:" + orderID + ":" + sku + ":" + typ }

// ClawbackID is the id of a refund's clawback of one commission.
func ClawbackID(refundID, sku, typ string) string { return "r:" + refundID + ":" + sku + ":" + typ }

// OverrideID is the id of the override that follows a commission: at most
// one per commission (one level), so it is derived from the commission's.
func OverrideID(of string) string { return of + ":" + TypeOverride }

// OverrideClawbackID is the id of a refund's clawback of the override that
// follows the commission of type typ on a SKU.
func OverrideClawbackID(refundID, sku, typ string) string {
	return ClawbackID(refundID, sku, typ) + ":" + TypeOverride
}

// Sum adds up the amounts of entries.
func Sum(es []Entry) int64 {
	var n int64
	for _, e := range es {
		n += e.AmountCents
	}
	return n
}
