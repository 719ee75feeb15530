package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/rollup"
)

func hit(seq int, aff, date, ev string, n int64) rollup.Record {
	return rollup.Record{Source: "STATS#" + aff, Seq: rollup.Seq(fmt.Sprint(seq)), Affiliate: aff, Date: date, Event: ev, Counts: rollup.Counts{Hits: n}}
}

// A source's records count once whatever the deliveries: the same batch
// again, a part of it (a bisected or partly retried batch), or a batch
// that starts inside what was counted and goes on past it.
func TestSummaryRecordsCountOnceWhateverTheDeliveries(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		ctx := context.Background()
		st := dynamotest.NewStoreOn(t, on)
		names := func(code string) string { return "Jane Doe" }
		var rs []rollup.Record
		for i := 1; i <= 10; i++ {
			rs = append(rs, hit(i, "jane", fmt.Sprintf("2026-11-%02d", i), "summit", 1))
		}
		for _, batch := range [][]rollup.Record{rs[:6], rs[:6], rs[2:4], rs[4:], rs, rs[9:]} {
			if err := st.ApplySummaries(ctx, "STATS#jane", batch, names); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.SummaryRows(ctx, "2026-11", []string{"jane"})
		if err != nil {
			t.Fatal(err)
		}
		if r := got["jane"]; r.Hits != 10 || r.LastHit != "2026-11-10" || r.Name != "Jane Doe" {
			t.Fatalf("November row %+v", r)
		}
		all, _ := st.SummaryRows(ctx, rollup.All, []string{"jane"})
		if r := all["jane"]; r.Hits != 10 || r.EventHits["summit"] != "2026-11-10" || fmt.Sprint(r.Months) != "[2026-11]" {
			t.Fatalf("all-time row %+v", r)
		}
		ts, err := st.Totals(ctx, "2026-11-01", "2026-11-30")
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, x := range ts {
			sum += x.Hits
		}
		if sum != 10 || len(ts) != 10 {
			t.Fatalf("totals %+v", ts)
		}
	})
}

// A page is one Query of an index: sorted across every row, 100 at a time,
// the cursor taking up where the page ended, a zero row listed too.
func TestSummaryPagesSortAcrossEveryRow(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		ctx := context.Background()
		st := dynamotest.NewStoreOn(t, on)
		var as []store.SummaryName
		for i := range 7 {
			code := fmt.Sprintf("a%d", i)
			as = append(as, store.SummaryName{Code: code, Name: fmt.Sprintf("Person %c", 'G'-i)})
			if i > 0 {
				r := rollup.Record{Source: "AFF#" + code, Seq: rollup.Seq("1"), Affiliate: code, Date: "2026-11-03", Counts: rollup.Counts{EarnedCents: int64(i * 100), NetCents: int64(i*100 - 350)}}
				if err := st.ApplySummaries(ctx, r.Source, []rollup.Record{r}, func(string) string { return as[i].Name }); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := st.EnsureSummaryRows(ctx, "2026-11", as); err != nil {
			t.Fatal(err)
		}
		var order []string
		cursor := ""
		for range 5 {
			rows, next, err := st.SummaryPage(ctx, "2026-11", "net_cents", true, cursor, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				order = append(order, fmt.Sprintf("%s:%d", r.Affiliate, r.NetCents))
			}
			if cursor = next; cursor == "" {
				break
			}
		}
		if fmt.Sprint(order) != "[a6:250 a5:150 a4:50 a3:-50 a2:-150 a1:-250 a0:0]" && fmt.Sprint(order) != "[a6:250 a5:150 a4:50 a0:0 a3:-50 a2:-150 a1:-250]" {
			t.Fatalf("by net, descending: %v", order)
		}
		rows, _, err := st.SummaryPage(ctx, "2026-11", "name", false, "", 2)
		if err != nil || len(rows) != 2 || rows[0].Affiliate != "a6" {
			t.Fatalf("by name: %+v %v", rows, err)
		}
		if _, _, err := st.SummaryPage(ctx, "2026-11", "name", false, "bogus!", 2); err == nil {
			t.Fatal("a made-up cursor was taken")
		}
	})
}
