package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// RawItem reads the item at k as the table holds it, for tests of what is
// (not) stored.
func (s *Store) RawItem(ctx context.Context, k Key) (map[string]types.AttributeValue, error) {
	return s.get(ctx, k)
}

// The indexes keys.go uses, for the test that the template declares them.
const (
	IndexByOrder = indexByOrder
	IndexOpen    = indexOpen
)

// Keys the tests read raw items at.
var (
	AffiliateKey    = affiliateKey
	CheckoutBodyKey = checkoutBodyKey
	NotifiedKey     = notifiedKey
)

// SummarySortIndexes are the indexes the summary pages sort by.
func SummarySortIndexes() []string {
	var out []string
	for _, s := range SummarySorts {
		if s.index != "" {
			out = append(out, s.index)
		}
	}
	return out
}
