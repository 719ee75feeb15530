package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tallyhq/tally/shared/domain/commission"
)

// Txn is the record of a processed webhook (an order, a refund or an
// opt-in), keyed by the body's id: what was sent (a hash of its canonical
// JSON), the answer to replay, and for an order its lines, what each
// affiliate earned on them and how much of each is refunded.
type Txn struct {
	Kind       string                `json:"kind"` // order, refund, optin, ignored, pending
	Hash       string                `json:"hash"`
	Response   string                `json:"response"`
	OccurredAt time.Time             `json:"occurred_at"`
	Version    int64                 `json:"version"`
	Lines      []commission.SoldLine `json:"lines,omitempty"`
	OrderID    string                `json:"order_id,omitempty"` // a refund's order
	// PaidCents is what a checkout's buyer paid for the lines, tax included
	// (0: the sum of the lines), and RefundedCents the money refunded so far
	// by every kind of refund (SPEC 10); RefundRule the version of the refund
	// rule the record follows (0: refunds of money counted apart).
	PaidCents     int64 `json:"paid_cents,omitempty"`
	RefundedCents int64 `json:"refunded_cents,omitempty"`
	RefundRule    int   `json:"refund_rule,omitempty"`
	// SourceLines maps each of a checkout order's own line ids to the SKU
	// of the line it was merged into, for refunds that name line ids.
	SourceLines map[string]string `json:"source_lines,omitempty"`
	// A checkout order shown to its buyer in another currency than the
	// shop's (Shopify's presentment currency): its total in that currency
	// and in the shop's, the order's own rate for refunds in the buyer's.
	PresentmentCurrency string `json:"presentment_currency,omitempty"`
	PresentmentTotal    int64  `json:"presentment_total,omitempty"`
	ShopTotal           int64  `json:"shop_total,omitempty"`
	// An order's referrer and the event of the link the buyer came in on
	// (none when nobody referred it), and when it was last refunded: what
	// leaderboards count it under (SPEC 17).
	Referrer   string     `json:"referrer,omitempty"`
	LinkEvent  string     `json:"link_event,omitempty"`
	RefundedAt *time.Time `json:"refunded_at,omitempty"`
	// Pending are the checkout's refunds of this order that arrived before
	// it (KindPending), kept by the order's record until each is applied.
	Pending []PendingRefund `json:"pending,omitempty"`
}

// Recorded says whether the record is a webhook's (not an order's pending
// refunds only).
func (t *Txn) Recorded() bool { return t != nil && t.Kind != KindPending }

// GetTxn reads a webhook record (consistent); nil when there is none.
func (s *Store) GetTxn(ctx context.Context, k Key) (*Txn, error) {
	item, err := s.get(ctx, k)
	if err != nil || item == nil {
		return nil, err
	}
	var t Txn
	if err := unmarshal(item, &t); err != nil {
		return nil, fmt.Errorf("decode %s: %w", k.PK, err)
	}
	return &t, nil
}

// PutIgnored marks an order a checkout sent that is not recorded (an
// invoice past recurring_months), with why, so its refunds are answered as
// ignored; a second mark changes nothing.
func (s *Store) PutIgnored(ctx context.Context, k Key, why string) error {
	err := s.putNew(ctx, k, Txn{Kind: "ignored", Hash: "checkout", Response: why})
	if errors.Is(err, ErrExists) {
		return nil
	}
	return err
}
