package admin

import (
	"context"
	"fmt"
	"net/url"
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
// last), with the program's rules and the page's affiliates (never every
// affiliate). A month: one Query of the month's summaries sorted by the
// column and one BatchGetItem of the page's all-time rows (the latest
// visits and what the list shows of each affiliate); all time: one Query.
// Another period: the page's codes from the all-time rows by code, then
// each affiliate read as their own reports read them. An all-time row
// written before it held the affiliate's profile: that affiliate's item
// read by key.
func (r *request) listPage(ctx context.Context, l listQuery, cursor string) ([]overview.Row, *program.Program, string, error) {
	month, sort, desc := l.month, l.sort, l.desc
	if month == "" {
		month, sort = rollup.All, "affiliate"
	}
	sums, next, err := r.st.SummaryPage(ctx, month, sort, desc, cursor, PageSize)
	if err != nil {
		return nil, nil, "", err
	}
	codes := make([]string, 0, len(sums))
	for _, s := range sums {
		codes = append(codes, s.Affiliate)
	}
	alls := map[string]store.SummaryRow{}
	if month == rollup.All {
		for _, s := range sums {
			alls[s.Affiliate] = s
		}
	} else if alls, err = r.st.SummaryRows(ctx, rollup.All, codes); err != nil {
		return nil, nil, "", err
	}
	p, err := r.pageProgram(ctx, codes, alls)
	if err != nil {
		return nil, nil, "", err
	}
	if l.month == "" {
		as := make([]program.Affiliate, 0, len(codes))
		for _, c := range codes {
			if a, _, ok := p.Payee(c); ok {
				as = append(as, *a)
			}
		}
		xs, err := overview.ReadThese(ctx, r.st, p, as, l.per, r.now, overview.Options{Visits: true})
		if err != nil {
			return nil, nil, "", err
		}
		rows := make([]overview.Row, 0, len(xs))
		for _, x := range xs {
			rows = append(rows, overview.RowOf(x))
		}
		return rows, p, next, nil
	}
	rows := make([]overview.Row, 0, len(sums))
	for _, s := range sums {
		all, ok := alls[s.Affiliate]
		if !ok {
			all = s
		}
		rows = append(rows, overview.RowOfSummary(p, s, all, r.now))
	}
	return rows, p, next, nil
}

// pageProgram is the rules with the affiliates of codes, current and
// former: from their all-time rows' profiles, and those without one read
// by key in one batch.
func (r *request) pageProgram(ctx context.Context, codes []string, alls map[string]store.SummaryRow) (*program.Program, error) {
	var current, former []program.Affiliate
	var missing []string
	for _, c := range codes {
		all, ok := alls[c]
		switch {
		case !ok || all.Profile == nil:
			missing = append(missing, c)
		case all.Profile.Former:
			former = append(former, all.Profile.Affiliate(c, all.Name))
		default:
			current = append(current, all.Profile.Affiliate(c, all.Name))
		}
	}
	if len(missing) > 0 {
		ls, err := r.st.AffiliatesByCode(ctx, missing)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			if l.Former {
				former = append(former, l.Affiliate)
			} else {
				current = append(current, l.Affiliate)
			}
		}
	}
	return r.Program.WithAffiliates(current, former), nil
}

// Affiliates serves GET /admin/affiliates: a page of 100 affiliates, the
// same numbers as their own reports, and who has had no visit in 7 days;
// the CSV has every affiliate, read page by page.
func Affiliates(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
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
				rows, _, next, err := r.listPage(ctx, l, cursor)
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
		rows, p, next, err := r.listPage(ctx, l, l.cursor)
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
		return r.affiliatesPage(l, p, rows, next)
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

func (r *request) affiliatesPage(l listQuery, p *program.Program, rows []overview.Row, next string) (apigw.Response, error) {
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
		_, current := p.Affiliate(x.Affiliate)
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
