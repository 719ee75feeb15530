// Package seed writes volume into a table quickly: ledger entries and day
// counters in batches, for measuring what reads cost when the table is full.
package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/ledger"
	"github.com/tallyhq/tally/shared/store"
)

// Month writes n referral entries for an affiliate from the start of month
// (one every 37 minutes, 48.50 each) and 28 days of its summit-2026 day
// counters, in batches of 25.
func Month(ctx context.Context, st *store.Store, aff string, month time.Time, n int) error {
	var reqs []types.WriteRequest
	for i := range n {
		at := month.Add(time.Duration(i) * 37 * time.Minute)
		e := ledger.Entry{ID: fmt.Sprintf("o:%s-%s-%d:SUM26-REC:referral", aff, month.Format("0601"), i), Affiliate: aff, At: at,
			Type: ledger.TypeReferral, Rule: ledger.RuleKindRate, OrderID: fmt.Sprintf("%s-%s-%d", aff, month.Format("0601"), i),
			SKU: "SUM26-REC", Event: "summit-2026", Quantity: 1, BasisCents: 9700, RateBP: 5000, AmountCents: 4850,
			Via: ledger.ViaClick, LinkEvent: "summit-2026", AvailableOn: at.Add(14 * 24 * time.Hour)}
		item, err := store.EntryItem(e)
		if err != nil {
			return err
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	for day := range 28 {
		for shard := range store.StatShards {
			k := store.StatKey(aff, month.AddDate(0, 0, day).Format("2006-01-02"), "summit-2026", shard)
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: k.Item(map[string]types.AttributeValue{"hits": store.N(3), "orders": store.N(1)})}})
		}
	}
	for len(reqs) > 0 {
		k := min(25, len(reqs))
		out, err := st.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{st.Table: reqs[:k]}})
		if err != nil {
			return err
		}
		reqs = append(out.UnprocessedItems[st.Table], reqs[k:]...)
	}
	return nil
}
