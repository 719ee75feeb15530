package notify

import "context"

// StreamHandler consumes a batch of the table's stream records in order;
// on failure it returns the sequence number of the first record not done.
type StreamHandler func(ctx context.Context, rs []Record) (failed string, err error)
