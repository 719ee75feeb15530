package store

import (
	"context"
	"fmt"
	"time"
)

// Subscription is who referred a checkout's subscription, decided once at
// the first invoice Tally recorded of it and read by every later invoice,
// so a renewal never depends on the contact's attribution as it is now.
type Subscription struct {
	Affiliate    string    `json:"affiliate"` // "" when nobody referred it
	LinkEvent    string    `json:"link_event,omitempty"`
	Via          string    `json:"via,omitempty"`
	Sub          string    `json:"sub,omitempty"`
	Start        time.Time `json:"start"`         // recurring_months count from here
	FirstInvoice string    `json:"first_invoice"` // the order that decided it
	Version      int64     `json:"version"`
}

// GetSubscription reads a subscription's referrer (consistent); nil when
// no invoice of it was recorded yet.
func (s *Store) GetSubscription(ctx context.Context, id string) (*Subscription, error) {
	item, err := s.get(ctx, subscriptionKey(id))
	if err != nil || item == nil {
		return nil, err
	}
	var sub Subscription
	if err := unmarshal(item, &sub); err != nil {
		return nil, fmt.Errorf("decode subscription %s: %w", id, err)
	}
	return &sub, nil
}
