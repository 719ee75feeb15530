// Package overview adds up the program for its owners (SPEC section 11):
// each affiliate's numbers read exactly as their own reports read them, and
// the program's totals as the sums of those rows, so the two can never
// disagree. No request scans: every read is one affiliate's partitions.
package overview

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/domain/period"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/affiliate/reports"
)

// QuietDays is how long without a visit marks an affiliate's link as not
// shared.
const QuietDays = 7

// Affiliate is one affiliate's numbers for a period, as their own reports
// give them.
type Affiliate struct {
	Affiliate *program.Affiliate
	Stats     reports.LinkStatsReport // link-stats, with days
	Ledger    reports.LedgerTotals    // the ledger's totals
	Entries   []ledger.Entry          // the period's ledger entries
	Balance   *paying.BalanceAnswer   // /reports/balance, when asked for
	LastHit   string                  // program-zone date of the latest counted hit, "" when none
	Quiet     []string                // enrolled events without a hit in the last QuietDays days
}

// Options say what to read beyond the period's counters and ledger.
type Options struct {
	Balances bool // each affiliate's balance (their whole ledger)
	Visits   bool // last hit and quiet events

	noLedger bool // the affiliate has no ledger entry: none is read
}

// Read reads every affiliate of the program for a period, several at a
// time, in program order. With balances it reads the former affiliates too
// and keeps those paying.Balances lists (still owed something), so
// the rows' balances add up to the Payouts page's.
func Read(ctx context.Context, st *store.Store, p *program.Program, per period.Period, now time.Time, o Options) ([]Affiliate, error) {
	as := p.Affiliates
	if o.Balances {
		as = p.Payees()
	}
	return ReadThese(ctx, st, p, as, per, now, o)
}

// ReadThese is Read of the given affiliates only (a page of the list).
func ReadThese(ctx context.Context, st *store.Store, p *program.Program, as []program.Affiliate, per period.Period, now time.Time, o Options) ([]Affiliate, error) {
	out := make([]Affiliate, len(as))
	win := window(now, p.Location())
	codes := make([]string, len(as))
	for i := range as {
		codes[i] = as[i].Code
	}
	// Who has a ledger (their payee markers): the others' is not read.
	withLedger, err := st.WithLedger(ctx, codes)
	if err != nil {
		return nil, err
	}
	err = paying.EachAffiliate(ctx, as, func(ctx context.Context, i int) error {
		o := o
		o.noLedger = withLedger != nil && !withLedger[as[i].Code]
		x, err := readOne(ctx, st, p, &as[i], per, win, now, o)
		out[i] = x
		return err
	})
	if err != nil || !o.Balances {
		return out, err
	}
	return slices.DeleteFunc(out, func(x Affiliate) bool { return !paying.Listed(p, *x.Balance) }), nil
}

// ReadOne reads one affiliate, with their balance and visits.
func ReadOne(ctx context.Context, st *store.Store, p *program.Program, a *program.Affiliate, per period.Period, now time.Time) (Affiliate, error) {
	return readOne(ctx, st, p, a, per, window(now, p.Location()), now, Options{Balances: true, Visits: true})
}

func readOne(ctx context.Context, st *store.Store, p *program.Program, a *program.Affiliate, per, win period.Period, now time.Time, o Options) (Affiliate, error) {
	x := Affiliate{Affiliate: a}
	stats, err := st.Stats(ctx, a.Code, per.From, per.To)
	if err != nil {
		return x, err
	}
	x.Stats = reports.StatRows(a, stats, per.Days(), true)
	x.Stats.Affiliate, x.Stats.From, x.Stats.To = a.Code, per.From, per.To
	if o.Balances {
		// The balance reads the whole ledger; the period's entries are in it.
		var all []ledger.Entry
		if !o.noLedger {
			if all, err = st.AllEntries(ctx, a.Code); err != nil {
				return x, err
			}
		}
		for _, e := range all {
			if per.Contains(e.At) {
				x.Entries = append(x.Entries, e)
			}
		}
		b, err := paying.BalanceOf(ctx, st, p, a, all, now, now)
		if err != nil {
			return x, err
		}
		x.Balance = &b
	} else if !o.noLedger {
		if x.Entries, err = st.Entries(ctx, a.Code, per.Start(), per.End()); err != nil {
			return x, err
		}
	}
	x.Ledger = reports.Totals(x.Entries)
	if o.Visits {
		recent := stats
		if !(per.From <= win.From && per.To >= win.To) { // the period does not cover the last days: read them
			if recent, err = st.Stats(ctx, a.Code, win.From, win.To); err != nil {
				return x, err
			}
		}
		x.LastHit, x.Quiet = Visits(a, recent, win)
		if x.LastHit == "" {
			if x.LastHit, err = st.LatestHitBefore(ctx, a.Code, win.From); err != nil {
				return x, err
			}
		}
	}
	return x, nil
}

// window is the last QuietDays days, today included, in the program zone.
func window(now time.Time, loc *time.Location) period.Period {
	to := now.In(loc)
	from := to.AddDate(0, 0, -(QuietDays - 1))
	w, _ := period.Parse("", from.Format("2006-01-02"), to.Format("2006-01-02"), now, loc)
	return w
}

// Visits is, from counters covering at least the window, the latest date
// in the window with a hit ("" when none) and the affiliate's enrolled
// events with no hit in it.
func Visits(a *program.Affiliate, stats []store.Stat, win period.Period) (lastHit string, quiet []string) {
	hit := map[string]bool{}
	for _, s := range stats {
		if s.Hits > 0 && s.Date >= win.From && s.Date <= win.To {
			hit[s.Event] = true
			lastHit = max(lastHit, s.Date)
		}
	}
	for _, ev := range a.Events {
		if !hit[ev] {
			quiet = append(quiet, ev)
		}
	}
	return lastHit, quiet
}

// Counts are hits, opt-ins, orders and revenue.
type Counts struct {
	Hits         int64 `json:"hits"`
	OptIns       int64 `json:"opt_ins"`
	Orders       int64 `json:"orders"`
	RevenueCents int64 `json:"revenue_cents"`
}

func (c *Counts) addRow(r reports.LinkRow) {
	c.add(Counts{Hits: r.Hits, OptIns: r.OptIns, Orders: r.Orders, RevenueCents: r.RevenueCents})
}

// EventCounts are one event's counts.
type EventCounts struct {
	Event string `json:"event"`
	Counts
}

// DayCounts are one day's counts.
type DayCounts struct {
	Date string `json:"date"`
	Counts
}

// Program is GET /admin's JSON: the program's totals for a period.
type Program struct {
	From             string        `json:"from"`
	To               string        `json:"to"`
	Currency         string        `json:"currency"`
	Hits             int64         `json:"hits"`
	OptIns           int64         `json:"opt_ins"`
	Orders           int64         `json:"orders"`
	RevenueCents     int64         `json:"revenue_cents"`
	EarnedCents      int64         `json:"earned_cents"`
	ClawbacksCents   int64         `json:"clawbacks_cents"`
	AdjustmentsCents int64         `json:"adjustments_cents"`
	NetCents         int64         `json:"net_cents"`
	Events           []EventCounts `json:"events"`
	Days             []DayCounts   `json:"days"`
}

// Sum is the program's totals: the sums of the affiliates' rows; one row
// per event of the program (zero rows included, then any other event with
// counts) and one per day of the period.
func Sum(p *program.Program, per period.Period, xs []Affiliate) Program {
	out := Program{From: per.From, To: per.To, Currency: p.Currency, Events: []EventCounts{}, Days: []DayCounts{}}
	idx := map[string]int{}
	for _, ev := range p.Events {
		idx[ev.Slug] = len(out.Events)
		out.Events = append(out.Events, EventCounts{Event: ev.Slug})
	}
	day := map[string]int{}
	for _, d := range per.Days() {
		day[d] = len(out.Days)
		out.Days = append(out.Days, DayCounts{Date: d})
	}
	var total Counts
	for _, x := range xs {
		for _, r := range x.Stats.Links {
			i, ok := idx[r.Event]
			if !ok {
				i = len(out.Events)
				idx[r.Event] = i
				out.Events = append(out.Events, EventCounts{Event: r.Event})
			}
			out.Events[i].addRow(r)
			total.addRow(r)
		}
		for _, d := range x.Stats.Days {
			if i, ok := day[d.Date]; ok {
				out.Days[i].addRow(d.LinkRow)
			}
		}
		out.EarnedCents += x.Ledger.EarnedCents
		out.ClawbacksCents += x.Ledger.ClawbacksCents
		out.AdjustmentsCents += x.Ledger.AdjustmentsCents
		out.NetCents += x.Ledger.NetCents
	}
	out.Hits, out.OptIns, out.Orders, out.RevenueCents = total.Hits, total.OptIns, total.Orders, total.RevenueCents
	return out
}

// Row is one affiliate in GET /admin/affiliates.
type Row struct {
	Affiliate      string   `json:"affiliate"`
	Name           string   `json:"name"`
	Email          string   `json:"email"`
	Active         bool     `json:"active"`
	Events         []string `json:"events"`
	Hits           int64    `json:"hits"`
	OptIns         int64    `json:"opt_ins"`
	Orders         int64    `json:"orders"`
	RevenueCents   int64    `json:"revenue_cents"`
	EarnedCents    int64    `json:"earned_cents"`
	NetCents       int64    `json:"net_cents"`
	HeldCents      *int64   `json:"held_cents"`      // null on the list: a balance is today's and reads the
	AvailableCents *int64   `json:"available_cents"` // whole ledger (the Payouts page and /admin/balances have it)
	LastHit        *string  `json:"last_hit"`
	// QuietEvents are the enrolled events with no visit in the last 7 days.
	QuietEvents []string `json:"quiet_events"`
}

// RowHeader is the CSV header of a Row: its JSON fields, in order.
var RowHeader = []string{"affiliate", "name", "email", "active", "events", "hits", "opt_ins", "orders", "revenue_cents",
	"earned_cents", "net_cents", "held_cents", "available_cents", "last_hit", "quiet_events"}

// RowOf is an affiliate's row.
func RowOf(x Affiliate) Row {
	a := x.Affiliate
	r := Row{Affiliate: a.Code, Name: a.Name, Email: a.Email, Active: a.IsActive(), Events: append([]string{}, a.Events...),
		Hits: x.Stats.Totals.Hits, OptIns: x.Stats.Totals.OptIns, Orders: x.Stats.Totals.Orders, RevenueCents: x.Stats.Totals.RevenueCents,
		EarnedCents: x.Ledger.EarnedCents, NetCents: x.Ledger.NetCents, QuietEvents: append([]string{}, x.Quiet...)}
	if x.Balance != nil {
		r.HeldCents, r.AvailableCents = &x.Balance.HeldCents, &x.Balance.AvailableCents
	}
	if x.LastHit != "" {
		r.LastHit = &x.LastHit
	}
	return r
}

// CSV is the row as a CSV row (lists joined with spaces).
func (r Row) CSV() []any {
	var last any
	if r.LastHit != nil {
		last = *r.LastHit
	}
	return []any{r.Affiliate, r.Name, r.Email, r.Active, strings.Join(r.Events, " "), r.Hits, r.OptIns, r.Orders, r.RevenueCents,
		r.EarnedCents, r.NetCents, orEmpty(r.HeldCents), orEmpty(r.AvailableCents), last, strings.Join(r.QuietEvents, " ")}
}

func orEmpty(n *int64) any {
	if n == nil {
		return nil
	}
	return *n
}

// RowOfSummary is an affiliate's row from their summary row for the
// period and their all-time row (the latest visit and the quiet events,
// against the last QuietDays days at now).
func RowOfSummary(p *program.Program, s, all store.SummaryRow, now time.Time) Row {
	r := Row{Affiliate: s.Affiliate, Name: s.Name, Events: []string{}, QuietEvents: []string{},
		Hits: s.Hits, OptIns: s.OptIns, Orders: s.Orders, RevenueCents: s.RevenueCents, EarnedCents: s.EarnedCents, NetCents: s.NetCents}
	if a, _, ok := p.Payee(s.Affiliate); ok {
		r.Name, r.Email, r.Active, r.Events = a.Name, a.Email, a.IsActive(), append(r.Events, a.Events...)
	}
	if all.LastHit != "" {
		last := all.LastHit
		r.LastHit = &last
	}
	win := window(now, p.Location())
	for _, ev := range r.Events {
		if all.EventHits[ev] < win.From {
			r.QuietEvents = append(r.QuietEvents, ev)
		}
	}
	return r
}

// FromTotals is the program's totals for a period from the daily totals the
// stream keeps (store.Totals): the same rows as Sum, without reading any
// affiliate.
func FromTotals(p *program.Program, per period.Period, ts []store.Total) Program {
	out := Program{From: per.From, To: per.To, Currency: p.Currency, Events: []EventCounts{}, Days: []DayCounts{}}
	idx := map[string]int{}
	for _, ev := range p.Events {
		idx[ev.Slug] = len(out.Events)
		out.Events = append(out.Events, EventCounts{Event: ev.Slug})
	}
	day := map[string]int{}
	for _, d := range per.Days() {
		day[d] = len(out.Days)
		out.Days = append(out.Days, DayCounts{Date: d})
	}
	var extra []string
	for _, t := range ts {
		if _, ok := idx[t.Event]; !ok && t.Event != "" && (t.Hits != 0 || t.OptIns != 0 || t.Orders != 0 || t.RevenueCents != 0) {
			idx[t.Event] = -1
			extra = append(extra, t.Event)
		}
	}
	slices.Sort(extra)
	for _, ev := range extra {
		idx[ev] = len(out.Events)
		out.Events = append(out.Events, EventCounts{Event: ev})
	}
	for _, t := range ts {
		if !per.Contains(midday(t.Date, p.Location())) {
			continue
		}
		c := Counts{Hits: t.Hits, OptIns: t.OptIns, Orders: t.Orders, RevenueCents: t.RevenueCents}
		if t.Event == "" { // the ledger's money
			out.EarnedCents += t.EarnedCents
			out.ClawbacksCents += t.ClawbacksCents
			out.AdjustmentsCents += t.AdjustmentsCents
			out.NetCents += t.NetCents
			continue
		}
		if i, ok := idx[t.Event]; ok && i >= 0 {
			out.Events[i].add(c)
		}
		if i, ok := day[t.Date]; ok {
			out.Days[i].add(c)
		}
		out.Hits, out.OptIns, out.Orders, out.RevenueCents = out.Hits+c.Hits, out.OptIns+c.OptIns, out.Orders+c.Orders, out.RevenueCents+c.RevenueCents
	}
	return out
}

func (c *Counts) add(d Counts) {
	c.Hits += d.Hits
	c.OptIns += d.OptIns
	c.Orders += d.Orders
	c.RevenueCents += d.RevenueCents
}

// midday is noon of a program-zone date: inside that day whatever its
// length.
func midday(date string, loc *time.Location) time.Time {
	t, _ := time.ParseInLocation("2006-01-02", date, loc)
	return t.Add(12 * time.Hour)
}
