// Package reports answers an affiliate's questions about their own money and
// links (SPEC section 5), one Lambda per view. Every view goes through one
// flow: who is asking (only ever the authorizer's affiliate), which period,
// read, shape, and answer as JSON, CSV or a page.
package reports

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/web"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/csvout"
	"github.com/tallyhq/tally/shared/domain/period"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
)

// Request is what a view needs to answer.
type Request struct {
	Req       apigw.Request
	Format    web.Format // how the request is answered
	Program   *program.Program
	Affiliate *program.Affiliate
	Period    period.Period // zero for views without a period
	Store     *store.Store
	ByDay     bool
	Now       time.Time
	Form      url.Values // a POST's form, checked by the edge
}

// Answer is a view's result in every form it is served in.
type Answer struct {
	JSON   any
	Header []string // CSV header: the JSON row's field names, in order
	Rows   [][]any  // CSV rows
	Title  string   // page title
	Page   any      // the page's view model
}

// view describes one report.
type view struct {
	name      string // ledger, link-stats, ...: the CSV file and the page
	page      string // the page and menu entry, when not name
	title     string
	hasPeriod bool
	script    bool
	owner     bool // the owner's view of an affiliate named in the path
	// recruits: the view names the affiliate's recruits (their list, or
	// overrides explained by the recruit's name), read with the affiliate.
	recruits bool
	answer   func(ctx context.Context, r Request) (Answer, error)
	// post, when set, serves the view's form (POST) before answering.
	post func(ctx context.Context, r Request) error
}

func serve(d *app.Deps, v view) apigw.Handler {
	// The affiliate's own views read the rules and that affiliate, never
	// every affiliate; the owner's the rules and the affiliate in the path.
	site := web.Site{Programs: d.Rules, Log: d.Log}
	site.Member = func(ctx context.Context, code string) (*program.Program, error) {
		return d.AffiliateView(ctx, code, v.recruits)
	}
	gate := site.Affiliate
	if v.owner {
		site.Formats, gate = web.DataOnly, site.Owner
	}
	return gate(func(ctx context.Context, w *web.Request) (apigw.Response, error) {
		p, code := w.Program, w.Who
		a, ok := p.Affiliate(code)
		if v.owner { // the owner still sees what a former affiliate is owed
			code = w.PathParameters["code"]
			var err error
			if p, a, _, err = d.PayeeView(ctx, p, code); err != nil {
				return apigw.Response{}, err
			}
			if ok = a != nil; !ok {
				return apigw.Response{}, fault.New(fault.NotFound, "affiliate_not_found", "no affiliate %q in the program", code)
			}
		}
		if !ok {
			return apigw.Response{}, fault.New(fault.Forbidden, "forbidden", "affiliate %q is not in the program", code)
		}
		now := d.Now()
		r := Request{Req: w.HTTP(), Format: w.Format, Program: p, Affiliate: a, Store: d.Store, ByDay: w.QueryStringParameters["by"] == "day", Now: now, Form: w.Form}
		if v.hasPeriod {
			q := w.QueryStringParameters
			per, err := period.Parse(q["month"], q["from"], q["to"], now, p.Location())
			if err != nil && w.Format != web.Page {
				return apigw.Response{}, err
			}
			if err != nil { // a page shows this month instead
				per, _ = period.Parse("", "", "", now, p.Location())
			}
			r.Period = per
		}
		if w.Post() && v.post != nil {
			if err := v.post(ctx, r); err != nil {
				return apigw.Response{}, err
			}
			w.Format, r.Format = web.Page, web.Page // a form's answer is the page
		}
		ans, err := v.answer(ctx, r)
		if err != nil {
			return apigw.Response{}, err
		}
		switch w.Format {
		case web.CSV:
			name := "tally-" + v.name
			if v.hasPeriod {
				name += "-" + r.Period.From + "-" + r.Period.To
			}
			return web.Download(w.HTTP(), name+".csv", csvout.Write(ans.Header, ans.Rows)), nil
		case web.Page:
			page := v.name
			if v.page != "" {
				page = v.page
			}
			return web.Render(w.HTTP(), http.StatusOK, page, portal.Page{
				Title: ans.Title, Who: a.Name, Nav: page, Query: periodQuery(w.HTTP()), Zone: p.Location().String(),
				Script: v.script, CSRF: w.Token, Body: ans.Page,
			})
		}
		return web.Compressed(w.HTTP(), ans.JSON), nil
	})
}

// PeriodNav builds the period picker of a page.
func PeriodNav(path string, per period.Period) portal.PeriodNav { return periodNav(path, per) }

// PeriodQuery keeps the period when moving between views.
func PeriodQuery(req apigw.Request) string { return periodQuery(req) }

// periodQuery keeps the period when moving between views.
func periodQuery(req apigw.Request) string {
	q := url.Values{}
	for _, k := range []string{"month", "from", "to"} {
		if v := req.QueryStringParameters[k]; v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// periodNav builds the period picker of a page.
func periodNav(path string, per period.Period) portal.PeriodNav {
	nav := portal.PeriodNav{Path: path, Month: per.Month()}
	link := func(p period.Period, extra string) string {
		q := url.Values{}
		if m := p.Month(); m != "" {
			q.Set("month", m)
		} else {
			q.Set("from", p.From)
			q.Set("to", p.To)
		}
		if extra != "" {
			q.Set("format", extra)
		}
		return path + "?" + q.Encode()
	}
	nav.PrevURL, nav.NextURL, nav.CSVURL = link(per.Prev(), ""), link(per.Next(), ""), link(per, "csv")
	if m := per.Month(); m != "" {
		t, _ := time.Parse("2006-01", m)
		nav.Label = t.Format("January 2006")
	} else {
		nav.Label = fmt.Sprintf("%s to %s", per.From, per.To)
	}
	return nav
}

// Of answers one of an affiliate's views (ledger, link-stats) for the
// owner's page of that affiliate: the same code, so the same numbers, as the
// affiliate's own report.
func Of(ctx context.Context, view string, r Request) (Answer, error) {
	switch view {
	case "ledger":
		return ledgerView(ctx, r)
	case "link-stats":
		return linkStatsView(ctx, r)
	}
	return Answer{}, fmt.Errorf("reports: no view %q", view)
}
