package store_test

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
)

// An event's delivery marks read back as the deliveries marked, each once
// however often it was marked, apart from another event's, and go a week
// after they were written (well past the stream's 24 hours).
func TestNotifiedMarksReadBackPerEvent(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		ctx := context.Background()
		st := dynamotest.NewStoreOn(t, on)
		t0 := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
		if got, err := st.Notified(ctx, "msg_a"); err != nil || len(got) != 0 {
			t.Fatalf("before any mark: %v, %v", got, err)
		}
		for _, d := range []string{"MAIL#jane", "HOOK#1f2e", "MAIL#jane"} {
			if err := st.MarkNotified(ctx, "msg_a", d, t0); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.MarkNotified(ctx, "msg_b", "MAIL#bob", t0); err != nil {
			t.Fatal(err)
		}
		got, err := st.Notified(ctx, "msg_a")
		if err != nil {
			t.Fatal(err)
		}
		if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, []string{"HOOK#1f2e", "MAIL#jane"}) {
			t.Errorf("msg_a's marks: %q", keys)
		}
		item, err := st.RawItem(ctx, store.NotifiedKey("msg_a", "MAIL#jane"))
		if err != nil {
			t.Fatal(err)
		}
		ttl, _ := item["ttl"].(*types.AttributeValueMemberN)
		if ttl == nil || ttl.Value != strconv.FormatInt(t0.Add(7*24*time.Hour).Unix(), 10) {
			t.Errorf("ttl %v, want a week after the mark", item["ttl"])
		}
	})
}
