package summaries_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/eventsource"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/period"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/rollup"
	"github.com/tallyhq/tally/shared/handlers/background/boards"
	"github.com/tallyhq/tally/shared/handlers/background/summaries"
	"github.com/tallyhq/tally/shared/handlers/owner/overview"
)

var now = time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)

// seed writes one affiliate's November: a commission and its partial
// clawback, an adjustment for one in three, and hits on two days (orders on
// one), over two counter shards.
func seed(ctx context.Context, st *store.Store, aff string, i int) error {
	var b store.Batch
	at := time.Date(2026, 11, 1+i%28, 15, 0, 0, 0, time.UTC)
	b.Entries = append(b.Entries,
		ledger.Entry{ID: "o:" + aff + ":r", Affiliate: aff, At: at, Type: ledger.TypeReferral, AmountCents: int64(1000 + i), AvailableOn: at},
		ledger.Entry{ID: "o:" + aff + ":c", Affiliate: aff, At: at.Add(time.Hour), Type: ledger.TypeClawback, AmountCents: -int64(100 + i%7), AvailableOn: at})
	if i%3 == 0 {
		b.Entries = append(b.Entries, ledger.Entry{ID: "a:" + aff, Affiliate: aff, At: at, Type: ledger.TypeAdjustment, AmountCents: 250, AvailableOn: at})
	}
	if i%5 != 0 { // one in five never shared a link
		for shard := range 2 {
			b.Counters = append(b.Counters,
				store.Counters{Affiliate: aff, Date: at.Format("2006-01-02"), Event: "summit-2026", Shard: shard, StatDelta: store.StatDelta{Hits: int64(1 + i%4), Orders: 1, RevenueCents: 9700}},
				store.Counters{Affiliate: aff, Date: "2026-11-29", Event: "summit-2026", Shard: shard, StatDelta: store.StatDelta{Hits: 2}})
		}
	}
	return st.Import(ctx, b)
}

var handling time.Duration

// Every batch is delivered as Lambda may: in full, then its second half
// again (a partial retry), its first half again (a bisected batch) and the
// whole batch once more (a redelivery).
func unreliably(h eventsource.Handler, seen *int, busy *bool, mu *sync.Mutex) eventsource.Handler {
	return func(ctx context.Context, rs []events.DynamoDBEventRecord) (string, error) {
		mu.Lock()
		*seen += len(rs)
		*busy = true
		mu.Unlock()
		start := time.Now()
		defer func() { mu.Lock(); *busy = false; handling += time.Since(start); mu.Unlock() }()
		for _, part := range [][]events.DynamoDBEventRecord{rs, rs[len(rs)/2:], rs[:max(1, len(rs)/2)], rs} {
			if failed, err := h(ctx, part); err != nil {
				return failed, err
			}
		}
		return "", nil
	}
}

// The owner's rows, kept from the table's real stream (DynamoDB Local) with
// every batch delivered four times in parts, equal what each of 2,000
// affiliates' own reports say for the month (TALLY_SUMMARY_N=2000 for
// SPEC 15's size), and the program's totals equal
// their sums: nothing is counted twice.
func TestOwnersNumbersEqualEachAffiliatesReportsAfterRedeliveries(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 affiliates through the stream")
	}
	n := envInt("TALLY_SUMMARY_N", 2000) // SPEC 15's size: 110 s alone on DynamoDB Local
	ctx := context.Background()
	db := dynamotest.Client(t)
	table := dynamotest.NewStreamTable(t, db)
	st := store.New(db, table)
	p := demo.Program()
	for i := len(p.Affiliates); i < n; i++ {
		p.Affiliates = append(p.Affiliates, program.Affiliate{Code: fmt.Sprintf("aff-%04d", i), Name: fmt.Sprintf("Speaker %d", i),
			Email: fmt.Sprintf("speaker%d@example.com", i), Plan: "standard", Events: []string{"summit-2026"}})
	}
	start := time.Now()
	p = dynamotest.Load(t, st, p)
	for i, a := range p.Affiliates {
		if err := seed(ctx, st, a.Code, i); err != nil {
			t.Fatal(err)
		}
	}
	d := app.New(app.Config{Table: table, ProgramTTL: time.Hour}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	d.Now = func() time.Time { return now }

	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen, busy := 0, false
	poller := &eventsource.StreamPoller{Client: app.LocalStreams(dynamotest.Endpoint(t)), StreamARN: aws.ToString(out.Table.LatestStreamArn), BatchSize: 100}
	// Read to the stream's end, then once more: the summaries' own writes
	// are in the stream too (Lambda's filter keeps them from the function
	// on AWS; here they reach it and are skipped).
	for range 2 {
		if err := poller.CatchUp(ctx, unreliably(eventsource.Lambda(boards.Stream(d)), &seen, &busy, &mu)); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d stream records, each delivered four times, in %s (handling %s)", seen, time.Since(start), handling)

	per, _ := period.Parse("2026-11", "", "", now, p.Location())
	mine, err := overview.ReadThese(ctx, st, p, p.Affiliates, per, now, overview.Options{Visits: true})
	if err != nil {
		t.Fatal(err)
	}
	codes := make([]string, 0, n)
	for _, a := range p.Affiliates {
		codes = append(codes, a.Code)
	}
	month, err := st.SummaryRows(ctx, "2026-11", codes)
	if err != nil {
		t.Fatal(err)
	}
	alls, err := st.SummaryRows(ctx, rollup.All, codes)
	if err != nil {
		t.Fatal(err)
	}
	var sum rollup.Counts
	bad := 0
	for _, x := range mine {
		code := x.Affiliate.Code
		if got, want := alls[code].Profile, store.ProfileOf(*x.Affiliate, false); got == nil || fmt.Sprint(*got) != fmt.Sprint(want) {
			t.Errorf("%s: profile on the all-time row %+v, want %+v", code, got, want)
		}
		want := overview.RowOf(x)
		got := overview.RowOfSummary(p, month[code], alls[code], now)
		same := got.Hits == want.Hits && got.OptIns == want.OptIns && got.Orders == want.Orders && got.RevenueCents == want.RevenueCents &&
			got.EarnedCents == want.EarnedCents && got.NetCents == want.NetCents && fmt.Sprint(got.LastHit != nil) == fmt.Sprint(want.LastHit != nil) &&
			(got.LastHit == nil || *got.LastHit == *want.LastHit) && fmt.Sprint(got.QuietEvents) == fmt.Sprint(want.QuietEvents) && got.Name == want.Name
		if !same {
			if bad++; bad < 5 {
				t.Errorf("%s: owner's row %+v, their reports %+v", code, got, want)
			}
		}
		if all := alls[code]; all.NetCents != month[code].NetCents || all.Hits != month[code].Hits {
			t.Errorf("%s: all-time row %+v, November %+v (all of its activity)", code, all.Counts, month[code].Counts)
		}
		sum.Add(month[code].Counts)
	}
	if bad > 0 {
		t.Fatalf("%d of %d affiliates differ", bad, n)
	}
	ts, err := st.Totals(ctx, per.From, per.To)
	if err != nil {
		t.Fatal(err)
	}
	o := overview.FromTotals(p, per, ts)
	if o.Hits != sum.Hits || o.Orders != sum.Orders || o.RevenueCents != sum.RevenueCents || o.EarnedCents != sum.EarnedCents ||
		o.ClawbacksCents != sum.ClawbacksCents || o.AdjustmentsCents != sum.AdjustmentsCents || o.NetCents != sum.NetCents || sum.Hits == 0 {
		t.Fatalf("program totals %+v, sums of the rows %+v", o, sum)
	}

	// Rebuilt from the source items, the same numbers.
	if _, err := summariesRebuild(ctx, st, p); err != nil {
		t.Fatal(err)
	}
	again, _ := st.SummaryRows(ctx, "2026-11", codes)
	for _, c := range codes {
		if again[c].Counts != month[c].Counts || again[c].LastHit != month[c].LastHit {
			t.Fatalf("%s rebuilt %+v, kept %+v", c, again[c], month[c])
		}
	}
	ts2, _ := st.Totals(ctx, per.From, per.To)
	if o2 := overview.FromTotals(p, per, ts2); o2.NetCents != o.NetCents || o2.Hits != o.Hits {
		t.Fatalf("rebuilt totals %+v, kept %+v", o2, o)
	}

	// An affiliate renamed, moved and deactivated on the dashboard: the
	// stream sets what the list shows of them on every row they have.
	prev := p.Affiliates[len(p.Affiliates)-1]
	changed := prev
	off := false
	changed.Name, changed.Email, changed.Events, changed.Active = "Zelda Moved", "zelda@example.net", []string{"retreat-2026"}, &off
	if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: changed, Prev: &prev}, now); err != nil {
		t.Fatal(err)
	}
	if err := poller.CatchUp(ctx, eventsource.Lambda(boards.Stream(d))); err != nil {
		t.Fatal(err)
	}
	rows, _ := st.SummaryRows(ctx, rollup.All, []string{prev.Code})
	month, _ = st.SummaryRows(ctx, "2026-11", []string{prev.Code})
	if r := rows[prev.Code]; r.Profile == nil || r.Name != "Zelda Moved" || month[prev.Code].Name != "Zelda Moved" ||
		fmt.Sprint(*r.Profile) != fmt.Sprint(store.Profile{Email: "zelda@example.net", Events: []string{"retreat-2026"}}) {
		t.Errorf("after the edit: all-time row %+v %+v, month row name %q", r, r.Profile, month[prev.Code].Name)
	}
}

func summariesRebuild(ctx context.Context, st *store.Store, p *program.Program) (summaries.Rebuilt, error) {
	return summaries.Rebuild(ctx, st, p, now)
}

func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err != nil || n <= 0 {
		return def
	}
	return n
}
