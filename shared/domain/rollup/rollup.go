// Package rollup is what the owner's summaries add up (SPEC 15): each
// record of the table's stream (a counter's change, a new ledger entry) as
// the numbers it adds to its affiliate's month and all-time rows and to the
// program's daily totals. Pure: the store writes what it plans.
package rollup

import (
	"fmt"
	"strings"

	"github.com/tallyhq/tally/shared/domain/ledger"
)

// All is the period of the all-time rows.
const All = "all"

// Counts are what a summary row or a daily total adds up.
type Counts struct {
	Hits, OptIns, Orders, RevenueCents                      int64
	EarnedCents, ClawbacksCents, AdjustmentsCents, NetCents int64
}

// Add adds d.
func (c *Counts) Add(d Counts) {
	c.Hits += d.Hits
	c.OptIns += d.OptIns
	c.Orders += d.Orders
	c.RevenueCents += d.RevenueCents
	c.EarnedCents += d.EarnedCents
	c.ClawbacksCents += d.ClawbacksCents
	c.AdjustmentsCents += d.AdjustmentsCents
	c.NetCents += d.NetCents
}

// Zero says whether nothing is counted.
func (c Counts) Zero() bool { return c == Counts{} }

// Record is what one stream record adds.
type Record struct {
	Source    string // the changed item's partition key: where its records are in order
	Seq       string // its sequence number, padded (Seq)
	Affiliate string
	Date      string // program-zone date it counts on
	Event     string // a counter's event; "" for a ledger entry
	Counts    Counts
}

// Hit says whether the record counted a hit (its date is a visit).
func (r Record) Hit() bool { return r.Counts.Hits > 0 }

// seqWidth is wider than any stream's sequence number (DynamoDB's are up
// to 40 digits), so padded ones compare as numbers.
const seqWidth = 48

// Seq pads a sequence number with zeros so that strings compare as the
// numbers do.
func Seq(s string) string {
	if len(s) >= seqWidth {
		return s
	}
	return strings.Repeat("0", seqWidth-len(s)) + s
}

// StatCounts are a counter item's numbers.
type StatCounts struct{ Hits, OptIns, Orders, RevenueCents int64 }

// FromStat is what a change of a counter item adds: its new numbers less
// its old ones (a record delivered again is skipped by its sequence, never
// by its numbers). ok is false when nothing changed.
func FromStat(source, seq, affiliate, date, event string, old, nw StatCounts) (Record, bool) {
	c := Counts{Hits: nw.Hits - old.Hits, OptIns: nw.OptIns - old.OptIns, Orders: nw.Orders - old.Orders, RevenueCents: nw.RevenueCents - old.RevenueCents}
	return Record{Source: source, Seq: Seq(seq), Affiliate: affiliate, Date: date, Event: event, Counts: c}, !c.Zero()
}

// FromEntry is what a new ledger entry adds, on its program-zone date:
// its amount as earned, a clawback or an adjustment (as the ledger
// report's totals split them), and to net.
func FromEntry(source, seq, date string, e ledger.Entry) Record {
	c := Counts{NetCents: e.AmountCents}
	switch e.Type {
	case ledger.TypeClawback:
		c.ClawbacksCents = e.AmountCents
	case ledger.TypeAdjustment:
		c.AdjustmentsCents = e.AmountCents
	default:
		c.EarnedCents = e.AmountCents
	}
	return Record{Source: source, Seq: Seq(seq), Affiliate: e.Affiliate, Date: date, Counts: c}
}

// RowKey names a summary row: an affiliate in a month (YYYY-MM) or All.
type RowKey struct{ Period, Affiliate string }

// Row is what records add to a summary row.
type Row struct {
	Counts
	LastHit    string            // the latest date with a hit among them, "" for none
	EventHits  map[string]string // all-time rows: the latest hit per event
	Months     []string          // all-time rows: the months the records touched
	monthsSeen map[string]bool
}

// TotalKey names one day's program totals for an event ("" for the
// ledger's money).
type TotalKey struct{ Date, Event string }

// Plan is what a run of records adds: to rows and to daily totals.
type Plan struct {
	Rows   map[RowKey]*Row
	Totals map[TotalKey]*Counts
	Last   string // the last record's sequence number
}

// Items counts the writes the plan makes.
func (p Plan) Items() int { return len(p.Rows) + len(p.Totals) }

// Add folds one record into the plan.
func (p *Plan) Add(r Record) {
	if p.Rows == nil {
		p.Rows, p.Totals = map[RowKey]*Row{}, map[TotalKey]*Counts{}
	}
	month := r.Date[:min(7, len(r.Date))]
	for _, per := range []string{month, All} {
		k := RowKey{per, r.Affiliate}
		row := p.Rows[k]
		if row == nil {
			row = &Row{}
			p.Rows[k] = row
		}
		row.Add(r.Counts)
		if r.Hit() {
			row.LastHit = max(row.LastHit, r.Date)
			if per == All && r.Event != "" {
				if row.EventHits == nil {
					row.EventHits = map[string]string{}
				}
				row.EventHits[r.Event] = max(row.EventHits[r.Event], r.Date)
			}
		}
		if per == All && !row.monthsSeen[month] {
			if row.monthsSeen == nil {
				row.monthsSeen = map[string]bool{}
			}
			row.monthsSeen[month] = true
			row.Months = append(row.Months, month)
		}
	}
	tk := TotalKey{r.Date, r.Event}
	t := p.Totals[tk]
	if t == nil {
		t = &Counts{}
		p.Totals[tk] = t
	}
	t.Add(r.Counts)
	p.Last = r.Seq
}

// Chunks splits one source's records, in order, into runs whose plans
// each make at most max writes, so each run is one transaction.
func Chunks(rs []Record, max int) [][]Record {
	var out [][]Record
	start := 0
	var p Plan
	for i, r := range rs {
		next := p
		next.Rows, next.Totals = clone(p.Rows), cloneTotals(p.Totals)
		next.Add(r)
		if next.Items() > max && i > start {
			out = append(out, rs[start:i])
			start, p = i, Plan{}
			p.Add(r)
			continue
		}
		p = next
	}
	if start < len(rs) {
		out = append(out, rs[start:])
	}
	return out
}

// PlanOf is the plan of a run of records.
func PlanOf(rs []Record) Plan {
	var p Plan
	for _, r := range rs {
		p.Add(r)
	}
	return p
}

// clone copies the keys only: Chunks counts writes, it never reads sums.
func clone(m map[RowKey]*Row) map[RowKey]*Row {
	out := make(map[RowKey]*Row, len(m)+2)
	for k := range m {
		out[k] = &Row{}
	}
	return out
}

func cloneTotals(m map[TotalKey]*Counts) map[TotalKey]*Counts {
	out := make(map[TotalKey]*Counts, len(m)+1)
	for k := range m {
		out[k] = &Counts{}
	}
	return out
}

// DateNumber is a date as the number the last-visit index sorts by
// (20261103); 0 for none.
func DateNumber(date string) int64 {
	var n int64
	for _, c := range date {
		if c >= '0' && c <= '9' {
			n = n*10 + int64(c-'0')
		}
	}
	return n
}

// NumberDate is DateNumber's inverse; "" for 0.
func NumberDate(n int64) string {
	if n <= 0 {
		return ""
	}
	s := fmt.Sprintf("%08d", n)
	return s[:4] + "-" + s[4:6] + "-" + s[6:]
}
