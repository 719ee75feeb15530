package reports

import (
	"sort"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/web/portal"
)

// nullable is a channel tag as JSON has it: null when there is none.
func nullable(sub string) *string {
	if sub == "" {
		return nil
	}
	return &sub
}

// cell is a nullable tag as a CSV cell: empty when there is none.
func cell(sub *string) any {
	if sub == nil {
		return nil
	}
	return *sub
}

// SubRow is one event's counts from one channel tag (Sub nil: untagged).
type SubRow struct {
	Event        string  `json:"event"`
	Sub          *string `json:"sub"`
	Hits         int64   `json:"hits"`
	OptIns       int64   `json:"opt_ins"`
	Orders       int64   `json:"orders"`
	RevenueCents int64   `json:"revenue_cents"`
}

var subHeader = []string{"event", "sub", "hits", "opt_ins", "orders", "revenue_cents"}

// SubRows shapes counters kept by tag into rows in the order of the link
// rows: for each event its untagged row (zero included), then each tag
// with counts in the period, by name. An event's rows add up to its link
// row.
func SubRows(links []LinkRow, stats []store.Stat) []SubRow {
	type key struct{ event, sub string }
	sums := map[key]*SubRow{}
	tags := map[string][]string{}
	for _, s := range stats {
		k := key{s.Event, s.Sub}
		r := sums[k]
		if r == nil {
			r = &SubRow{Event: s.Event, Sub: nullable(s.Sub)}
			sums[k] = r
			if s.Sub != "" {
				tags[s.Event] = append(tags[s.Event], s.Sub)
			}
		}
		r.Hits += s.Hits
		r.OptIns += s.OptIns
		r.Orders += s.Orders
		r.RevenueCents += s.RevenueCents
	}
	out := []SubRow{}
	for _, l := range links {
		if r := sums[key{l.Event, ""}]; r != nil {
			out = append(out, *r)
		} else {
			out = append(out, SubRow{Event: l.Event})
		}
		sort.Strings(tags[l.Event])
		for _, t := range tags[l.Event] {
			out = append(out, *sums[key{l.Event, t}])
		}
	}
	return out
}

// withoutSubs adds counters kept by tag up to one per (date, event).
func withoutSubs(stats []store.Stat) []store.Stat {
	out := make([]store.Stat, 0, len(stats))
	at := map[[2]string]int{}
	for _, s := range stats {
		k := [2]string{s.Date, s.Event}
		i, ok := at[k]
		if !ok {
			at[k] = len(out)
			s.Sub = ""
			out = append(out, s)
			continue
		}
		out[i].Hits += s.Hits
		out[i].OptIns += s.OptIns
		out[i].Orders += s.Orders
		out[i].RevenueCents += s.RevenueCents
	}
	return out
}

func subCSV(subs []SubRow) [][]any {
	rows := make([][]any, 0, len(subs))
	for _, s := range subs {
		rows = append(rows, []any{s.Event, cell(s.Sub), s.Hits, s.OptIns, s.Orders, s.RevenueCents})
	}
	return rows
}

// subPage is the per-tag table of the Link Stats page: shown once any
// visit came with a tag, and its CSV link.
func subPage(r Request, subs []SubRow) ([]portal.SubStatRow, string) {
	tagged := false
	for _, s := range subs {
		tagged = tagged || s.Sub != nil
	}
	if !tagged {
		return nil, ""
	}
	var rows []portal.SubStatRow
	for _, s := range subs {
		row := portal.SubStatRow{Event: eventName(r.Program, s.Event), Hits: s.Hits, OptIns: s.OptIns, Orders: s.Orders, Revenue: amount(s.RevenueCents, r.Program.Currency)}
		if s.Sub != nil {
			row.Tag = *s.Sub
		}
		rows = append(rows, row)
	}
	return rows, periodNav("/reports/link-stats", r.Period).CSVURL + "&by=sub"
}
