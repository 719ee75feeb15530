package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/csvout"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/money"
	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/domain/period"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/affiliate/reports"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
	"github.com/tallyhq/tally/shared/handlers/owner/overview"
	"github.com/tallyhq/tally/shared/web"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
)

// The owner's pages (SPEC section 11): each URL answers a page, its JSON,
// or (?format=csv) its rows, from one read.

// page renders an owner's page.
func (r *request) page(name, title, nav string, body any) (apigw.Response, error) {
	return web.Render(r.HTTP(), http.StatusOK, name, portal.Page{Title: title, Who: r.Who, Nav: nav, Owner: true,
		Query: reports.PeriodQuery(r.HTTP()), Zone: r.Program.Location().String(), CSRF: r.Token, Body: body})
}

func (r *request) period() (period.Period, error) {
	q := r.QueryStringParameters
	per, err := period.Parse(q["month"], q["from"], q["to"], r.now, r.Program.Location())
	if err != nil && r.Format == "html" {
		return period.Parse("", "", "", r.now, r.Program.Location())
	}
	return per, err
}

func (r *request) money(c int64) portal.Money {
	return portal.Money{Text: money.Format(c, r.Program.Currency), Neg: c < 0}
}

func (r *request) csv(name string, header []string, rows [][]any) apigw.Response {
	return web.Download(r.HTTP(), name, csvout.Write(header, rows))
}

func (r *request) json(v any) apigw.Response { return web.Compressed(r.HTTP(), v) }

func eventName(p *program.Program, slug string) string {
	if e, ok := p.Event(slug); ok {
		return e.Name
	}
	return slug
}

// Figure is one number of a page's totals.
type Figure struct {
	Label string
	Value string
	Neg   bool
}

// CountRow is a row of counts on a page.
type CountRow struct {
	Name                 string
	Hits, OptIns, Orders int64
	Revenue              portal.Money
}

// OverviewPage is GET /admin as a page.
type OverviewPage struct {
	Period  portal.PeriodNav
	Figures []Figure
	Events  []CountRow
	Total   CountRow
	Chart   portal.Chart
	// Unapplied counts the checkout events Tally could not apply; Warnings
	// are the checkouts' standing problems (a Stripe key refused).
	Unapplied int
	Warnings  []CheckoutWarningRow
}

// OverviewAnswer is GET /admin's JSON: the program's totals, and what the
// checkouts left for the owner (checkout_warnings: a Stripe key refused,
// while Stripe still retries).
type OverviewAnswer struct {
	overview.Program
	UnappliedCheckoutEvents int                   `json:"unapplied_checkout_events"`
	CheckoutWarnings        []CheckoutEventAnswer `json:"checkout_warnings"`
}

// Overview serves GET /admin: the program's totals for a period, per
// event and per day, summed over the affiliates.
func Overview(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		per, err := r.period()
		if err != nil {
			return apigw.Response{}, err
		}
		// The daily totals the stream keeps: the same requests whatever
		// the number of affiliates (one Query per month of the period).
		ts, err := r.st.Totals(ctx, per.From, per.To)
		if err != nil {
			return apigw.Response{}, err
		}
		o := overview.FromTotals(r.Program, per, ts)
		unapplied, warnings, err := r.st.CheckoutEvents(ctx, r.now)
		if err != nil {
			return apigw.Response{}, err
		}
		switch r.Format {
		case web.CSV:
			var rows [][]any
			for _, dd := range o.Days {
				rows = append(rows, []any{dd.Date, dd.Hits, dd.OptIns, dd.Orders, dd.RevenueCents})
			}
			return r.csv("tally-overview-"+per.From+"-"+per.To+".csv", []string{"date", "hits", "opt_ins", "orders", "revenue_cents"}, rows), nil
		case web.JSON:
			ws := make([]CheckoutEventAnswer, 0, len(warnings))
			for _, w := range warnings {
				ws = append(ws, CheckoutEventAnswer{Source: strings.TrimSuffix(w.Name, "_key"), ID: w.Name, Code: webhooks.CodeStripeKey, Message: w.Message, At: w.At.UTC().Format(time.RFC3339)})
			}
			return r.json(OverviewAnswer{Program: o, UnappliedCheckoutEvents: len(unapplied), CheckoutWarnings: ws}), nil
		}
		pg := OverviewPage{Period: reports.PeriodNav("/admin", per), Unapplied: len(unapplied), Warnings: r.warnings(warnings)}
		for _, f := range []struct {
			label string
			n     int64
			cents bool
		}{{"Hits", o.Hits, false}, {"Opt-Ins", o.OptIns, false}, {"Orders", o.Orders, false}, {"Revenue", o.RevenueCents, true},
			{"Commissions earned", o.EarnedCents, true}, {"Clawbacks", o.ClawbacksCents, true}, {"Adjustments", o.AdjustmentsCents, true}, {"Net commissions", o.NetCents, true}} {
			v := fmt.Sprint(f.n)
			if f.cents {
				v = money.Format(f.n, r.Program.Currency)
			}
			pg.Figures = append(pg.Figures, Figure{Label: f.label, Value: v, Neg: f.n < 0})
		}
		for _, e := range o.Events {
			pg.Events = append(pg.Events, CountRow{Name: eventName(r.Program, e.Event), Hits: e.Hits, OptIns: e.OptIns, Orders: e.Orders, Revenue: r.money(e.RevenueCents)})
		}
		pg.Total = CountRow{Name: "Total", Hits: o.Hits, OptIns: o.OptIns, Orders: o.Orders, Revenue: r.money(o.RevenueCents)}
		var days []portal.ChartDay
		for _, dd := range o.Days {
			days = append(days, portal.ChartDay{Date: dd.Date, Hits: dd.Hits, OptIns: dd.OptIns, Orders: dd.Orders})
		}
		pg.Chart = portal.NewChart("Visits, opt-ins and orders per day, all affiliates", days)
		return r.page("admin-overview", "Overview", "overview", pg)
	})
}

// AffiliatesPage is GET /admin/affiliates as a page.
type AffiliatesPage struct {
	Period  portal.PeriodNav
	Headers []SortHeader
	Rows    []AffiliateRow
	Total   AffiliateRow // the page's rows summed
	// Paging (SPEC 15): 100 a page; the next and first pages' URLs ("" for
	// none); all time or the period; whether the columns sort (a month or
	// all time); the CSV of every affiliate.
	NextURL, FirstURL, AllTimeURL, MonthURL, CSVURL string
	AllTime, Sortable                               bool
	Quiet                                           int // affiliates with an event without a visit in 7 days
	Days                                            int
	// The add form (open after ?add=1), and what the last form did.
	Add                 AffiliateForm
	AddOpen, ImportOpen bool
	Done                string
}

// Pager is the list's pager.
func (p AffiliatesPage) Pager() portal.Pager {
	return portal.Pager{Label: "Pages of affiliates", FirstURL: p.FirstURL, NextURL: p.NextURL}
}

// SortHeader is a column heading that sorts the table.
type SortHeader struct {
	Label, URL, Sort string // Sort: aria-sort value, "" when not sorted by it
	Num              bool
}

// AffiliateRow is one affiliate on the page.
type AffiliateRow struct {
	Code, Name, Email, URL                string
	Active                                bool
	Former                                bool // removed from the program file, still owed
	Events                                []EventMark
	Hits, OptIns, Orders                  int64
	Revenue, Earned, Net, Held, Available portal.Money
	LastHit                               string
}

// EventMark is an enrolled event, marked when nobody visited its link in
// the last 7 days.
type EventMark struct {
	Name  string
	Quiet bool
}

// columns of the list: the JSON field a ?sort= names ("" when the column
// does not sort), and its page label.
var columns = []struct{ field, label string }{
	{"name", "Affiliate"}, {"hits", "Hits"}, {"", "Opt-Ins"}, {"orders", "Orders"}, {"revenue_cents", "Revenue"},
	{"earned_cents", "Earned"}, {"net_cents", "Net"}, {"last_hit", "Last visit"},
}

func longDate(d string) string {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return d
	}
	return t.Format("Jan 2, 2006")
}

// AffiliatePage is GET /admin/affiliates/{code} as a page.
type AffiliatePage struct {
	Row                                AffiliateRow
	Period                             portal.PeriodNav
	Stats                              any // portal.LinkStatsView
	Ledger                             any // portal.LedgerView
	Held, Available, InPayout, Paid    portal.Money
	Payable                            bool
	Reason                             string
	LastHit                            string
	AdjustmentID, Currency, Done, CSRF string
	// The edit form, filled in with the affiliate as the table holds it
	// now; Confirm is "remove" while the removal asks to be confirmed.
	Edit    AffiliateForm
	Confirm string
	Origin  string
}

// AffiliateAnswer is GET /admin/affiliates/{code}'s JSON: their row, and
// their link stats, ledger and balance exactly as their own reports give
// them.
type AffiliateAnswer struct {
	Affiliate overview.Row         `json:"affiliate"`
	LinkStats any                  `json:"link_stats"`
	Ledger    any                  `json:"ledger"`
	Balance   paying.BalanceAnswer `json:"balance"`
}

// Affiliate serves GET /admin/affiliates/{code}: one affiliate's stats,
// ledger and balance for a period, and a form for an adjustment.
func Affiliate(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		// By key, not from the cached program: the page shows (and its
		// forms start from) the affiliate as it is now, and a cold start
		// reads the rules and this affiliate, never the others (SPEC 15).
		code := r.PathParameters["code"]
		p, a, former, err := d.PayeeView(ctx, r.Program, code)
		if err != nil {
			return apigw.Response{}, err
		}
		if a == nil {
			return apigw.Response{}, fault.New(fault.NotFound, "affiliate_not_found", "no affiliate %q in the program", code)
		}
		r.Program = p
		per, err := r.period()
		if err != nil {
			return apigw.Response{}, err
		}
		x, err := overview.ReadOne(ctx, r.st, r.Program, a, per, r.now)
		if err != nil {
			return apigw.Response{}, err
		}
		rr := reports.Request{Req: r.HTTP(), Format: r.Format, Program: r.Program, Affiliate: a, Period: per, Store: r.st, ByDay: r.QueryStringParameters["by"] == "day", Now: r.now}
		stats, err := reports.Of(ctx, "link-stats", rr)
		if err != nil {
			return apigw.Response{}, err
		}
		led, err := reports.Of(ctx, "ledger", rr)
		if err != nil {
			return apigw.Response{}, err
		}
		row := overview.RowOf(x)
		switch r.Format {
		case web.CSV:
			return r.csv("tally-affiliate-"+a.Code+"-"+per.From+"-"+per.To+".csv", led.Header, led.Rows), nil
		case web.JSON:
			return r.json(AffiliateAnswer{Affiliate: row, LinkStats: stats.JSON, Ledger: led.JSON, Balance: *x.Balance}), nil
		}
		b := x.Balance
		pg := AffiliatePage{Period: reports.PeriodNav("/admin/affiliates/"+url.PathEscape(a.Code), per), Stats: stats.Page, Ledger: led.Page,
			Held: r.money(b.HeldCents), Available: r.money(b.AvailableCents), InPayout: r.money(b.InPayoutCents), Paid: r.money(b.PaidCents),
			Payable: b.Payable, Reason: b.Reason, LastHit: "never", AdjustmentID: "adj-" + randomID(), Currency: r.Program.Currency,
			Done: r.QueryStringParameters["done"], CSRF: r.Token, Edit: affiliateForm(r.Program, *a),
			Confirm: r.QueryStringParameters["confirm"], Origin: originWords[a.MadeIn()]}
		pg.Row = AffiliateRow{Code: a.Code, Name: a.Name, Email: a.Email, Active: a.IsActive(), Former: former}
		quiet := map[string]bool{}
		for _, e := range row.QuietEvents {
			quiet[e] = true
		}
		for _, e := range a.Events {
			pg.Row.Events = append(pg.Row.Events, EventMark{Name: eventName(r.Program, e), Quiet: quiet[e]})
		}
		if row.LastHit != nil {
			pg.LastHit = longDate(*row.LastHit)
		}
		return r.page("admin-affiliate", a.Name, "affiliates", pg)
	})
}

func randomID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
