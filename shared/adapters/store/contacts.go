package store

import (
	"context"

	"github.com/tallyhq/tally/shared/domain/attribution"
)

// GetContact reads a person's attribution (consistent); nil when none.
func (s *Store) GetContact(ctx context.Context, email string) (*attribution.Contact, error) {
	item, err := s.get(ctx, contactKey(email))
	if err != nil || item == nil {
		return nil, err
	}
	var c attribution.Contact
	if err := unmarshal(item, &c); err != nil {
		return nil, err
	}
	return &c, nil
}
