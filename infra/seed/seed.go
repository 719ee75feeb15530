// Package seed writes volume into a table quickly: ledger entries and day
// counters in batches, for measuring what reads cost when the table is full.
package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/ledger"
)

// Month writes n referral entries for an affiliate from the start of month
// (one every 37 minutes, 48.50 each) and 28 days of its summit-2026 day
// counters, in batches of 25.
func Month(ctx context.Context, st *store.Store, aff string, month time.Time, n int) error {
	var b store.Batch
	for i := range n {
		at := month.Add(time.Duration(i) * 37 * time.Minute)
		b.Entries = append(b.Entries, ledger.Entry{ID: fmt.Sprintf("o:%s-%s-%d:SUM26-REC:referral", aff, month.Format("0601"), i), Affiliate: aff, At: at,
			Type: ledger.TypeReferral, Rule: ledger.RuleKindRate, OrderID: fmt.Sprintf("%s-%s-%d", aff, month.Format("0601"), i),
			SKU: "SUM26-REC", Event: "summit-2026", Quantity: 1, BasisCents: 9700, RateBP: 5000, AmountCents: 4850,
			Via: ledger.ViaClick, LinkEvent: "summit-2026", AvailableOn: at.Add(14 * 24 * time.Hour)})
	}
	for day := range 28 {
		for shard := range store.StatShards {
			b.Counters = append(b.Counters, store.Counters{Affiliate: aff, Date: month.AddDate(0, 0, day).Format("2006-01-02"), Event: "summit-2026",
				Shard: shard, StatDelta: store.StatDelta{Hits: 3, Orders: 1}})
		}
	}
	return st.Import(ctx, b)
}
