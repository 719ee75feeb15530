package admin

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/period"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/rollup"
	"github.com/tallyhq/tally/shared/handlers/affiliate/reports"
	"github.com/tallyhq/tally/shared/handlers/owner/overview"
	"github.com/tallyhq/tally/shared/web"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// PageSize is how many affiliates a page of the list shows (SPEC 15).
const PageSize = 100

// listQuery is what a request of the list asks: the period (All for all
// time), the column and direction, and where the page starts.
type listQuery struct {
	per    period.Period
	all    bool   // ?period=all
	month  string // the summaries' period: YYYY-MM, rollup.All, or "" (read each affiliate)
	sort   string // a column of store.SummarySorts
	desc   bool
	cursor string
}

func (r *request) listQuery() (listQuery, error) {
	q := r.QueryStringParameters
	var l listQuery
	var err error
	if q["period"] == rollup.All {
		l.all, l.month = true, rollup.All
		l.per, err = period.Parse("", "", "", r.now, r.Program.Location()) // the page's period links
	} else if q["period"] != "" {
		return l, fault.Fields(map[string]string{"period": `must be "all", or give month or from and to`})
	} else if l.per, err = r.period(); err == nil {
		l.month = l.per.Month()
	}
	if err != nil {
		return l, err
	}
	l.sort, l.desc, l.cursor = strings.TrimPrefix(q["sort"], "-"), strings.HasPrefix(q["sort"], "-") || q["dir"] == "desc", q["page"]
	switch {
	case l.sort == "":
		l.sort = "affiliate"
	case l.sort == "name" && l.month == "" && r.Format == web.Page: // the page's heading of other periods
		l.sort = "affiliate"
	}
	if _, ok := store.SummarySorts[l.sort]; !ok {
		return l, fault.Fields(map[string]string{"sort": fmt.Sprintf("cannot sort by %q: one of affiliate, name, hits, orders, revenue_cents, earned_cents, net_cents, last_hit, with - for descending", l.sort)})
	}
	if l.month == "" && l.sort != "affiliate" {
		if r.Format != web.Page {
			return l, fault.Fields(map[string]string{"sort": "a period other than a month or all sorts by affiliate only"})
		}
		l.sort, l.desc = "affiliate", false
	}
	return l, nil
}

// listPage is one page of the list and the cursor of the next ("" on the
// last). A month or all time: one Query of the summaries sorted by the
// column (and, for a month, one BatchGetItem of the all-time rows for the
// latest visits). Another period: up to PageSize affiliates by code, each
// read as their own reports read them.
func (r *request) listPage(ctx context.Context, l listQuery, cursor string) ([]overview.Row, string, error) {
	if l.month != "" {
		sums, next, err := r.st.SummaryPage(ctx, l.month, l.sort, l.desc, cursor, PageSize)
		if err != nil {
			return nil, "", err
		}
		alls := map[string]store.SummaryRow{}
		if l.month != rollup.All {
			codes := make([]string, 0, len(sums))
			for _, s := range sums {
				codes = append(codes, s.Affiliate)
			}
			if alls, err = r.st.SummaryRows(ctx, rollup.All, codes); err != nil {
				return nil, "", err
			}
		}
		rows := make([]overview.Row, 0, len(sums))
		for _, s := range sums {
			all, ok := alls[s.Affiliate]
			if !ok {
				all = s
			}
			rows = append(rows, overview.RowOfSummary(r.Program, s, all, r.now))
		}
		return rows, next, nil
	}
	payees := r.Program.Payees()
	slices.SortFunc(payees, func(a, b program.Affiliate) int { return strings.Compare(a.Code, b.Code) })
	if l.desc {
		slices.Reverse(payees)
	}
	if cursor != "" {
		i := slices.IndexFunc(payees, func(a program.Affiliate) bool { return a.Code == cursor })
		if i < 0 {
			return nil, "", fault.Fields(map[string]string{"page": "not a page of this list: start again from the first page"})
		}
		payees = payees[i+1:]
	}
	next := ""
	if len(payees) > PageSize {
		payees, next = payees[:PageSize], payees[PageSize-1].Code
	}
	xs, err := overview.ReadThese(ctx, r.st, r.Program, payees, l.per, r.now, overview.Options{Visits: true})
	if err != nil {
		return nil, "", err
	}
	rows := make([]overview.Row, 0, len(xs))
	for _, x := range xs {
		rows = append(rows, overview.RowOf(x))
	}
	return rows, next, nil
}

// Affiliates serves GET /admin/affiliates: a page of 100 affiliates, the
// same numbers as their own reports, and who has had no visit in 7 days;
// the CSV has every affiliate, read page by page.
func Affiliates(d *app.Deps) apigw.Handler {
	return serve(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		l, err := r.listQuery()
		if err != nil {
			return apigw.Response{}, err
		}
		per := l.per
		name := "tally-affiliates-" + per.From + "-" + per.To + ".csv"
		if l.all {
			name = "tally-affiliates-all.csv"
		}
		if r.Format == web.CSV {
			var out [][]any
			for cursor := l.cursor; ; {
				rows, next, err := r.listPage(ctx, l, cursor)
				if err != nil {
					return apigw.Response{}, err
				}
				for _, x := range rows {
					out = append(out, x.CSV())
				}
				if cursor = next; next == "" {
					break
				}
			}
			return r.csv(name, overview.RowHeader, out), nil
		}
		rows, next, err := r.listPage(ctx, l, l.cursor)
		if err != nil {
			return apigw.Response{}, err
		}
		if r.Format == web.JSON {
			from, to := per.From, per.To
			if l.all {
				from, to = "", ""
			}
			var nx *string
			if next != "" {
				nx = &next
			}
			return r.json(struct {
				From       string         `json:"from,omitempty"`
				To         string         `json:"to,omitempty"`
				Period     string         `json:"period,omitempty"`
				Currency   string         `json:"currency"`
				Sort       string         `json:"sort"`
				Affiliates []overview.Row `json:"affiliates"`
				Next       *string        `json:"next"`
			}{from, to, map[bool]string{true: rollup.All}[l.all], r.Program.Currency, sortParam(l.sort, l.desc), rows, nx}), nil
		}
		return r.affiliatesPage(l, rows, next)
	})
}

func sortParam(col string, desc bool) string {
	if desc {
		return "-" + col
	}
	return col
}

// listURL is the list's URL with the same period, sorted and paged as
// given.
func (r *request) listURL(l listQuery, sort, page string) string {
	q := r.QueryStringParameters
	v := url.Values{}
	for _, k := range []string{"month", "from", "to", "period"} {
		if q[k] != "" {
			v.Set(k, q[k])
		}
	}
	if sort != "" && sort != "affiliate" {
		v.Set("sort", sort)
	}
	if page != "" {
		v.Set("page", page)
	}
	if len(v) == 0 {
		return "/admin/affiliates"
	}
	return "/admin/affiliates?" + v.Encode()
}

func (r *request) affiliatesPage(l listQuery, rows []overview.Row, next string) (apigw.Response, error) {
	q := r.QueryStringParameters
	pg := AffiliatesPage{Period: reports.PeriodNav("/admin/affiliates", l.per), Days: overview.QuietDays,
		Add: affiliateForm(r.Program, program.Affiliate{}), AddOpen: q["add"] != "", ImportOpen: q["import"] != "",
		AllTime: l.all, AllTimeURL: "/admin/affiliates?period=all", MonthURL: "/admin/affiliates", Sortable: l.month != "",
		CSVURL: r.listURL(l, sortParam(l.sort, l.desc), "")}
	pg.CSVURL += map[bool]string{true: "&", false: "?"}[strings.Contains(pg.CSVURL, "?")] + "format=csv"
	if q["done"] == "imported" {
		n := func(k string) int { v, _ := strconv.Atoi(q[k]); return v } // only numbers reach the page
		pg.Done = fmt.Sprintf("Imported: %d new, %d updated, %d unchanged. Their links work within a minute.", n("imported"), n("updated"), n("unchanged"))
	}
	if next != "" {
		pg.NextURL = r.listURL(l, sortParam(l.sort, l.desc), next)
	}
	if l.cursor != "" {
		pg.FirstURL = r.listURL(l, sortParam(l.sort, l.desc), "")
	}
	for _, c := range columns {
		h := SortHeader{Label: c.label, Num: c.field != "name" && c.field != "last_hit"}
		if c.field == "" || (l.month == "" && c.field != "name") {
			pg.Headers = append(pg.Headers, h)
			continue
		}
		field := c.field
		if l.month == "" { // other periods sort by code
			field = "affiliate"
		}
		nextSort := field
		if field == l.sort || (field == "name" && l.sort == "affiliate" && l.month == "") {
			h.Sort = "ascending"
			if l.desc {
				h.Sort = "descending"
			} else {
				nextSort = "-" + field
			}
		}
		h.URL = r.listURL(l, nextSort, "")
		pg.Headers = append(pg.Headers, h)
	}
	var t overview.Row
	for _, x := range rows {
		_, current := r.Program.Affiliate(x.Affiliate)
		row := AffiliateRow{Code: x.Affiliate, Name: x.Name, Email: x.Email, Active: x.Active, Former: !current, URL: "/admin/affiliates/" + url.PathEscape(x.Affiliate) + reports.PeriodQuery(r.HTTP()),
			Hits: x.Hits, OptIns: x.OptIns, Orders: x.Orders, Revenue: r.money(x.RevenueCents), Earned: r.money(x.EarnedCents),
			Net: r.money(x.NetCents), LastHit: "never"}
		if x.LastHit != nil {
			row.LastHit = longDate(*x.LastHit)
		}
		quiet := map[string]bool{}
		for _, e := range x.QuietEvents {
			quiet[e] = true
		}
		for _, e := range x.Events {
			row.Events = append(row.Events, EventMark{Name: eventName(r.Program, e), Quiet: quiet[e] && x.Active})
		}
		if len(x.QuietEvents) > 0 && x.Active {
			pg.Quiet++
		}
		pg.Rows = append(pg.Rows, row)
		t.Hits, t.OptIns, t.Orders, t.RevenueCents = t.Hits+x.Hits, t.OptIns+x.OptIns, t.Orders+x.Orders, t.RevenueCents+x.RevenueCents
		t.EarnedCents, t.NetCents = t.EarnedCents+x.EarnedCents, t.NetCents+x.NetCents
	}
	pg.Total = AffiliateRow{Name: "This page", Hits: t.Hits, OptIns: t.OptIns, Orders: t.Orders, Revenue: r.money(t.RevenueCents),
		Earned: r.money(t.EarnedCents), Net: r.money(t.NetCents)}
	return r.page("admin-affiliates", "Affiliates", "affiliates", pg)
}
