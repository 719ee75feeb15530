package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/ledger"
)

// Batch is data Import writes as it is: ledger entries and counters as the
// webhooks and clicks leave them.
type Batch struct {
	Entries  []ledger.Entry
	Counters []Counters
	Tags     []TagHits
}

// Counters is one shard of an affiliate's counters of an event and day:
// the day's total, or with Sub a channel tag's opt-ins and orders beside it.
type Counters struct {
	Affiliate, Date, Event, Sub string
	Shard                       int
	StatDelta
}

// TagHits is an affiliate's channel tags of an event and day, with each
// one's hits (the day's tags item).
type TagHits struct {
	Affiliate, Date, Event string
	Hits                   map[string]int64
}

// Import writes a batch without conditions, 25 items a BatchWriteItem: for
// loading demo, benchmark and test data, never on a request path.
func (s *Store) Import(ctx context.Context, b Batch) error {
	var puts []map[string]types.AttributeValue
	for _, e := range b.Entries {
		item, err := entryItem(e)
		if err != nil {
			return err
		}
		puts = append(puts, item)
	}
	payees := s.payees.missing(entryAffiliates(b.Entries))
	for _, code := range payees {
		puts = append(puts, payeeItem(code))
	}
	for _, c := range b.Counters {
		k := StatKey(c.Affiliate, c.Date, c.Event, c.Shard)
		if c.Sub != "" {
			k = subStatKey(c.Affiliate, c.Date, c.Event, c.Sub, c.Shard)
		}
		attrs := map[string]types.AttributeValue{}
		for name, v := range c.attrs() {
			attrs[name] = v
		}
		puts = append(puts, k.item(attrs))
	}
	for _, t := range b.Tags {
		tags := &types.AttributeValueMemberSS{}
		attrs := map[string]types.AttributeValue{"tags": tags}
		for name, n := range t.Hits {
			tags.Value = append(tags.Value, name)
			attrs["h:"+name] = attrN(n)
		}
		puts = append(puts, subsKey(t.Affiliate, t.Date, t.Event).item(attrs))
	}
	if err := s.batchWrite(ctx, puts, nil); err != nil {
		return err
	}
	s.payees.add(payees)
	return nil
}
