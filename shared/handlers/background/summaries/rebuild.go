package summaries

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/domain/period"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/rollup"
)

// Rebuilt is what Rebuild wrote.
type Rebuilt struct {
	Affiliates, Rows, Months int
}

// Rebuild recomputes every summary row and the daily totals from their
// source items (each affiliate's counters and ledger, read whole) and sets
// them: after a stream outage longer than the stream keeps records, or a
// bug. Every affiliate also gets a row for the month of now. An admin
// tool's work (tallyctl rebuild-summaries), never a request's: it reads
// every affiliate. Run it while the stream is quiet: a record still in
// the stream for a change it has already read would add that change again.
func Rebuild(ctx context.Context, st *store.Store, p *program.Program, now time.Time) (Rebuilt, error) {
	loc := p.Location()
	current := period.Date(now, loc)[:7]
	payees := p.Payees()
	var mu sync.Mutex
	totals := map[string]map[rollup.TotalKey]*rollup.Counts{} // month -> day's totals
	out := Rebuilt{Affiliates: len(payees)}
	err := paying.EachAffiliate(ctx, payees, func(ctx context.Context, i int) error {
		a := &payees[i]
		stats, err := st.Stats(ctx, a.Code, "0000-01-01", "9999-12-31")
		if err != nil {
			return err
		}
		es, err := st.AllEntries(ctx, a.Code)
		if err != nil {
			return err
		}
		var rs []rollup.Record
		for _, s := range stats {
			rs = append(rs, rollup.Record{Affiliate: a.Code, Date: s.Date, Event: s.Event,
				Counts: rollup.Counts{Hits: s.Hits, OptIns: s.OptIns, Orders: s.Orders, RevenueCents: s.RevenueCents}})
		}
		for _, e := range es {
			rs = append(rs, rollup.FromEntry("", "", period.Date(e.At, loc), e))
		}
		plan := rollup.PlanOf(rs)
		rows := map[string]store.SummaryRow{current: {Period: current, Affiliate: a.Code, Name: a.Name}}
		for k, r := range plan.Rows {
			rows[k.Period] = store.SummaryRow{Period: k.Period, Affiliate: a.Code, Name: a.Name, Counts: r.Counts, LastHit: r.LastHit, EventHits: r.EventHits}
		}
		all := rows[rollup.All]
		all.Period, all.Affiliate, all.Name = rollup.All, a.Code, a.Name
		_, former, _ := p.Payee(a.Code)
		prof := store.ProfileOf(*a, former)
		all.Profile = &prof
		for m := range rows {
			if m != rollup.All {
				all.Months = append(all.Months, m)
			}
		}
		sort.Strings(all.Months)
		rows[rollup.All] = all
		for _, r := range rows {
			if err := st.PutSummaryRow(ctx, r); err != nil {
				return err
			}
		}
		mu.Lock()
		defer mu.Unlock()
		out.Rows += len(rows)
		for k, c := range plan.Totals {
			m := k.Date[:7]
			if totals[m] == nil {
				totals[m] = map[rollup.TotalKey]*rollup.Counts{}
			}
			if totals[m][k] == nil {
				totals[m][k] = &rollup.Counts{}
			}
			totals[m][k].Add(*c)
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	for m, days := range totals {
		ts := make([]store.Total, 0, len(days))
		for k, c := range days {
			ts = append(ts, store.Total{Date: k.Date, Event: k.Event, Counts: *c})
		}
		if err := st.ReplaceTotals(ctx, m, ts); err != nil {
			return out, err
		}
	}
	out.Months = len(totals)
	return out, st.MarkSummaryMonth(ctx, current, now)
}
