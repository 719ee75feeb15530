package payout

import (
	"strings"
	"time"
)

// Payout is a payout's record (SPEC section 9). Its items' amounts are
// frozen when it is created; only its status, paid_at and reference move.
type Payout struct {
	ID         string     `json:"id"`
	Status     string     `json:"status"` // draft, paid, canceled
	AsOf       time.Time  `json:"as_of"`
	Currency   string     `json:"currency"`
	TotalCents int64      `json:"total_cents"`
	CreatedAt  time.Time  `json:"created_at"`
	PaidAt     *time.Time `json:"paid_at,omitempty"`
	Reference  string     `json:"reference,omitempty"`
}

// Item states while a payout is made: claiming (taking its entries, which
// may need several transactions), ready (all taken), dropped (another payout
// took some of them first, or it was abandoned; it pays nothing and its
// claims hold nothing), none (the affiliate had nothing to take: recorded so
// a concurrent request with the same key cannot decide otherwise later).
// Each affiliate's item is written once, conditionally, by whichever request
// of the payout decides first.
const (
	ItemClaiming = "claiming"
	ItemReady    = "ready"
	ItemDropped  = "dropped"
	ItemNone     = "none"
)

// Item is what one payout pays one affiliate, and which entries (sort keys
// in the affiliate's partition) it took. Name and email are frozen so an
// export never changes.
type Item struct {
	PayoutID       string     `json:"payout_id"`
	Affiliate      string     `json:"affiliate"`
	ID             string     `json:"item_id"`
	State          string     `json:"state"`
	ClaimedAt      time.Time  `json:"claimed_at"` // when a request last took or renewed it: its claims are abandoned 15 minutes later
	AmountCents    int64      `json:"amount_cents"`
	Entries        []string   `json:"entries"`
	Name           string     `json:"name"`
	Email          string     `json:"email"`
	From           string     `json:"from"`
	To             string     `json:"to"`
	ReturnedAt     *time.Time `json:"returned_at,omitempty"`
	ReturnedReason string     `json:"returned_reason,omitempty"`
}

// Claim is the value entries taken by this item carry.
func (it Item) Claim() string { return ItemClaim(it.PayoutID, it.Affiliate) }

// ItemClaim is the claim of a payout's item for an affiliate.
func ItemClaim(payoutID, affiliate string) string { return payoutID + "/" + affiliate }

// ClaimPayout is the payout id of a claim.
func ClaimPayout(claim string) string { p, _, _ := strings.Cut(claim, "/"); return p }

// Idempotency is what a payout's Idempotency-Key stands for.
type Idempotency struct {
	Hash     string    `json:"hash"` // of the request body
	PayoutID string    `json:"payout_id"`
	AsOf     time.Time `json:"as_of"`
}
