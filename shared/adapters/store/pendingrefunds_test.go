package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
)

// Refunds that arrive before their order are kept on the order's own
// record: the order's one read finds them. An order replaces only the
// record it read, so a refund kept between its read and its write makes it
// read again (never recorded without it); once the order is recorded, a
// refund is no longer kept.
func TestPendingRefundsAreKeptOnTheOrdersRecord(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		ctx := context.Background()
		st := dynamotest.NewStoreOn(t, on)
		t0 := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
		pr := func(id string, at time.Time) store.PendingRefund {
			return store.PendingRefund{OrderID: "shopify:1", RefundID: id, At: at, Hash: "checkout", Refund: `{"id":"` + id + `"}`, Received: at}
		}
		for i, want := range []bool{true, false} { // kept, then a redelivery
			if kept, err := st.KeepPendingRefund(ctx, pr("shopify:r1", t0)); err != nil || kept != want {
				t.Fatalf("delivery %d: kept %v, %v; want %v", i+1, kept, err, want)
			}
		}
		read, err := st.GetTxn(ctx, store.TxnKey("shopify:1"))
		if err != nil || read == nil || read.Recorded() || len(read.Pending) != 1 || read.Pending[0].RefundID != "shopify:r1" {
			t.Fatalf("the order's record: %+v, %v", read, err)
		}
		// Another refund is kept after the order read its record.
		if kept, err := st.KeepPendingRefund(ctx, pr("shopify:r2", t0.Add(-time.Hour))); err != nil || !kept {
			t.Fatalf("second refund: %v, %v", kept, err)
		}
		order := store.Write{Record: store.TxnKey("shopify:1"), Txn: store.Txn{Kind: "order", Hash: "h", Response: "{}", Pending: read.Pending}, Replaces: &read.Version}
		if err := st.Commit(ctx, order); !errors.Is(err, store.ErrExists) {
			t.Fatalf("an order written over a record that changed since its read: %v, want ErrExists", err)
		}
		read, err = st.GetTxn(ctx, store.TxnKey("shopify:1"))
		if err != nil || len(read.Pending) != 2 {
			t.Fatalf("read again: %+v, %v", read, err)
		}
		order.Txn.Pending, order.Replaces = read.Pending, &read.Version
		if err := st.Commit(ctx, order); err != nil {
			t.Fatal(err)
		}
		got, err := st.GetTxn(ctx, store.TxnKey("shopify:1"))
		if err != nil || !got.Recorded() || got.Kind != "order" || len(got.Pending) != 2 {
			t.Fatalf("the order: %+v, %v", got, err)
		}
		if _, err := st.KeepPendingRefund(ctx, pr("shopify:r3", t0)); !errors.Is(err, store.ErrOrderRecorded) {
			t.Fatalf("a refund after its order: %v, want ErrOrderRecorded", err)
		}
		if _, err := st.KeepPendingRefund(ctx, pr("shopify:r1", t0)); !errors.Is(err, store.ErrOrderRecorded) {
			t.Fatalf("a kept refund delivered after its order: %v, want ErrOrderRecorded", err)
		}
	})
}
