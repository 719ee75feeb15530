package notify

import (
	"context"

	"github.com/tallyhq/tally/shared/adapters/store"
)

// StreamHandler consumes a batch of the table's changes in order; on
// failure it returns the sequence number of the first change not done.
type StreamHandler func(ctx context.Context, cs []store.Change) (failed string, err error)
