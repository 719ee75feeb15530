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

	"github.com/tallyhq/tally/shared/apierr"
	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/auth"
	"github.com/tallyhq/tally/shared/csvout"
	"github.com/tallyhq/tally/shared/period"
	"github.com/tallyhq/tally/shared/portal"
	"github.com/tallyhq/tally/shared/program"
	"github.com/tallyhq/tally/shared/store"
)

// Request is what a view needs to answer.
type Request struct {
	Ctx       context.Context
	Req       apigw.Request
	Program   *program.Program
	Affiliate *program.Affiliate
	Period    period.Period // zero for views without a period
	Store     *store.Store
	ByDay     bool
	Now       time.Time
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
	answer    func(r Request) (Answer, error)
}

func serve(d *app.Deps, v view) apigw.Handler {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		log := apigw.Logger(ctx, d.Log, req)
		format := formatOf(req)
		var p *program.Program
		code, aerr := auth.Affiliate(req)
		if v.owner {
			if format == "html" {
				format = "json"
			}
			acc, refused := auth.OwnerGate(ctx, d.Programs, log, req, false)
			if refused != nil {
				return *refused, nil
			}
			code, p = req.PathParameters["code"], acc.Program
		} else {
			if aerr != nil {
				return auth.Refuse(log, req, aerr, format == "html"), nil
			}
			var err error
			if p, err = d.Programs.Get(ctx); err != nil {
				return apigw.Error(log, err), nil
			}
		}
		a, ok := p.Affiliate(code)
		if v.owner { // the owner still sees what a former affiliate is owed
			a, _, ok = p.Payee(code)
		}
		if !ok && v.owner {
			return apigw.Error(log, apierr.NotFound("affiliate_not_found", "no affiliate %q in the program", code)), nil
		}
		if !ok {
			return apigw.Error(log, apierr.Forbidden("affiliate %q is not in the program", code)), nil
		}
		r := Request{Ctx: ctx, Req: req, Program: p, Affiliate: a, Store: d.Store, ByDay: req.QueryStringParameters["by"] == "day", Now: d.Now()}
		if v.hasPeriod {
			q := req.QueryStringParameters
			per, err := period.Parse(q["month"], q["from"], q["to"], d.Now(), p.Location())
			if err != nil {
				if format == "html" {
					per, _ = period.Parse("", "", "", d.Now(), p.Location())
				} else {
					return apigw.Error(log, err), nil
				}
			}
			r.Period = per
		}
		ans, err := v.answer(r)
		if err != nil {
			return apigw.Error(log, err), nil
		}
		switch format {
		case "csv":
			name := "tally-" + v.name
			if v.hasPeriod {
				name += "-" + r.Period.From + "-" + r.Period.To
			}
			return portal.Compress(req, apigw.CSV(name+".csv", csvout.Write(ans.Header, ans.Rows))), nil
		case "html":
			page := v.name
			if v.page != "" {
				page = v.page
			}
			return portal.Render(req, http.StatusOK, page, portal.Page{
				Title: ans.Title, Who: a.Name, Nav: page, Query: periodQuery(req), Zone: p.Location().String(),
				Script: v.script, CSRF: auth.From(req).FormToken, Body: ans.Page,
			})
		}
		resp := apigw.JSON(http.StatusOK, ans.JSON)
		return portal.Compress(req, resp), nil
	}
}

func formatOf(req apigw.Request) string { return portal.Format(req) }

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
func Of(view string, r Request) (Answer, error) {
	switch view {
	case "ledger":
		return ledgerView(r)
	case "link-stats":
		return linkStatsView(r)
	}
	return Answer{}, fmt.Errorf("reports: no view %q", view)
}
