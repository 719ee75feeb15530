// Package standings holds the rules of leaderboards and contests (SPEC 17):
// which window an order counts in, what it adds to its referrer's row, and
// how rows are ranked. Pure functions; the table keeps the rows and the
// snapshots.
package standings

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/tallyhq/tally/shared/domain/period"
	"github.com/tallyhq/tally/shared/domain/program"
)

// Window is a board's span: program-zone dates, both inclusive.
type Window struct{ From, To string }

// LeaderboardWindow is the window of e's leaderboard that the instant t
// counts in: the event's leaderboard_from..to, or else t's month.
func LeaderboardWindow(e *program.Event, t time.Time, loc *time.Location) Window {
	if e.LeaderboardFrom != "" {
		return Window{e.LeaderboardFrom, e.LeaderboardTo}
	}
	per, _ := period.Parse(t.In(loc).Format("2006-01"), "", "", t, loc)
	return Window{per.From, per.To}
}

// Contains says whether t's program-zone date lies in the window.
func (w Window) Contains(t time.Time, loc *time.Location) bool {
	d := period.Date(t, loc)
	return w.From <= d && d <= w.To
}

// Board names one leaderboard: the event and its window. An event whose
// window is the month has a board per month.
func Board(event string, w Window) string { return event + "#" + w.From + "#" + w.To }

// Contribution is what one order adds to its referrer's row: its net
// revenue and whether it counts as an order (not wholly refunded).
type Contribution struct {
	Net    int64 `json:"net"`
	Orders int64 `json:"orders"`
	OptIns int64 `json:"opt_ins"`
}

// Of is an order's contribution from its net revenue.
func Of(net int64, refunded bool) Contribution {
	if refunded {
		return Contribution{}
	}
	return Contribution{Net: net, Orders: 1}
}

// Less is what moves a row from prev to next.
func (next Contribution) Less(prev Contribution) Contribution {
	return Contribution{Net: next.Net - prev.Net, Orders: next.Orders - prev.Orders, OptIns: next.OptIns - prev.OptIns}
}

// Row is one affiliate's totals on a board. ChangedAt is when the latest
// order or refund counted in it happened: who got there first wins a tie.
type Row struct {
	Affiliate string
	Net       int64
	Orders    int64
	OptIns    int64
	ChangedAt time.Time
}

// Value is a row's number by a contest's metric (net revenue for a
// leaderboard).
func (r Row) Value(metric string) int64 {
	switch metric {
	case program.MetricOrders:
		return r.Orders
	case program.MetricOptIns:
		return r.OptIns
	}
	return r.Net
}

// counts says whether a row has a place by metric: a counted order (or,
// for opt-ins, an opt-in).
func (r Row) counts(metric string) bool {
	if metric == program.MetricOptIns {
		return r.OptIns > 0
	}
	return r.Orders > 0
}

// Standing is a row in its place, with its value by the metric ranked on:
// Gap is what the affiliate needs to reach the place above (nil for first).
type Standing struct {
	Rank int
	Row
	Value int64
	Gap   *int64
}

// Rank puts a leaderboard's rows in order (RankBy net revenue).
func Rank(rows []Row) []Standing { return RankBy(rows, program.MetricNetRevenue) }

// RankBy puts the rows that count (at least one order; one opt-in for
// opt_ins) in order: the higher value first; a tie to whose last change
// came first, then by code so the order never depends on how the rows were
// read.
func RankBy(rows []Row, metric string) []Standing {
	in := make([]Row, 0, len(rows))
	for _, r := range rows {
		if r.counts(metric) {
			in = append(in, r)
		}
	}
	slices.SortFunc(in, func(a, b Row) int {
		if c := cmp.Compare(b.Value(metric), a.Value(metric)); c != 0 {
			return c
		}
		if c := a.ChangedAt.Compare(b.ChangedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Affiliate, b.Affiliate)
	})
	out := make([]Standing, len(in))
	for i, r := range in {
		out[i] = Standing{Rank: i + 1, Row: r, Value: r.Value(metric)}
		if i > 0 {
			gap := in[i-1].Value(metric) - r.Value(metric)
			out[i].Gap = &gap
		}
	}
	return out
}

// Alias is the name an affiliate who has not chosen to show theirs goes by
// on an event's boards: a number given once per affiliate and event.
func Alias(n int64) string { return fmt.Sprintf("Affiliate %d", n) }
