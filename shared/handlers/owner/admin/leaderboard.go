package admin

import (
	"context"
	"net/http"
	"net/url"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/csvout"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/money"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/standings"
	"github.com/tallyhq/tally/shared/web"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Standing is one place of a leaderboard as the owner sees it: who it is,
// whatever name they show others.
type Standing struct {
	Rank            int    `json:"rank"`
	Affiliate       string `json:"affiliate"`
	Name            string `json:"name"`
	NetRevenueCents int64  `json:"net_revenue_cents"`
	Orders          int64  `json:"orders"`
}

var standingHeader = []string{"rank", "affiliate", "name", "net_revenue_cents", "orders"}

// Leaderboard serves GET /admin/leaderboard?event=<slug> (SPEC 17): the
// full standings of the event's current board, from its snapshot (one
// BatchGetItem).
func Leaderboard(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		p := r.Program
		slug := r.QueryStringParameters["event"]
		if slug == "" {
			for _, e := range p.Events {
				if e.Leaderboard {
					slug = e.Slug
					break
				}
			}
		}
		ev, ok := p.Event(slug)
		if !ok || !ev.Leaderboard {
			if slug == "" && r.Format == web.Page { // no board: the contests, if any
				return r.page("admin-leaderboard", "Leaderboards", "leaderboard", boardPage{Contests: contestLinks(p)})
			}
			return apigw.Response{}, fault.New(fault.NotFound, "not_found", "no leaderboard for event %q", slug)
		}
		w := standings.LeaderboardWindow(ev, r.now, p.Location())
		snap, entries, err := r.st.BoardStandings(ctx, standings.Board(ev.Slug, w))
		if err != nil {
			return apigw.Response{}, err
		}
		out := struct {
			Event     string     `json:"event"`
			From      string     `json:"from"`
			To        string     `json:"to"`
			AsOf      *string    `json:"as_of"`
			Standings []Standing `json:"standings"`
		}{Event: ev.Slug, From: w.From, To: w.To, Standings: make([]Standing, 0, len(entries))}
		names, err := r.names(ctx, entries)
		if err != nil {
			return apigw.Response{}, err
		}
		rows := make([][]any, 0, len(entries))
		for _, e := range entries {
			name := names[e.Affiliate]
			out.Standings = append(out.Standings, Standing{Rank: e.Rank, Affiliate: e.Affiliate, Name: name, NetRevenueCents: e.Net, Orders: e.Orders})
			rows = append(rows, []any{e.Rank, e.Affiliate, name, e.Net, e.Orders})
		}
		asOf := ""
		if snap != nil {
			s := snap.AsOf.UTC().Format("2006-01-02T15:04:05Z07:00")
			out.AsOf, asOf = &s, snap.AsOf.In(p.Location()).Format("Mon 2 Jan 2006, 15:04")
		}
		switch r.Format {
		case web.CSV:
			return apigw.CSV("tally-leaderboard-"+ev.Slug+"-"+w.From+"-"+w.To+".csv", csvout.Write(standingHeader, rows)), nil
		case web.Page:
			body := boardPage{EventName: ev.Name, From: w.From, To: w.To, AsOf: asOf,
				CSVURL: "/admin/leaderboard?" + url.Values{"event": {ev.Slug}, "format": {"csv"}}.Encode()}
			for _, s := range out.Standings {
				body.Rows = append(body.Rows, boardRow{s, money.Format(s.NetRevenueCents, p.Currency)})
			}
			for _, e := range p.Events {
				if e.Leaderboard && e.Slug != ev.Slug {
					body.Boards = append(body.Boards, struct{ Name, URL string }{e.Name, "/admin/leaderboard?" + url.Values{"event": {e.Slug}}.Encode()})
				}
			}
			body.Contests = contestLinks(p)
			return r.page("admin-leaderboard", ev.Name+" leaderboard", "leaderboard", body)
		}
		return apigw.JSON(http.StatusOK, out), nil
	})
}

// contestLinks are the owner's links to every contest of the program.
func contestLinks(p *program.Program) []struct{ Name, URL string } {
	var out []struct{ Name, URL string }
	for _, e := range p.Events {
		for _, c := range e.Contests {
			out = append(out, struct{ Name, URL string }{c.Name + " (" + e.Name + ")", "/admin/contests/" + url.PathEscape(e.Slug) + "/" + url.PathEscape(c.ID)})
		}
	}
	return out
}

// boardPage is the owner's leaderboard page (no EventName: no board, only
// the contests).
type boardPage struct {
	EventName, From, To, AsOf, CSVURL string
	Rows                              []boardRow
	Boards, Contests                  []struct{ Name, URL string }
}

type boardRow struct {
	Standing
	Net string
}

// names are the owner's names of a board's entrants: each current
// affiliate's name, read by key (a BatchGetItem per 100 entrants, never
// every affiliate), and the board's alias for anyone else (a removed
// affiliate).
func (r *request) names(ctx context.Context, entries []store.BoardEntry) (map[string]string, error) {
	codes := make([]string, 0, len(entries))
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		codes = append(codes, e.Affiliate)
		out[e.Affiliate] = e.Alias
	}
	listed, err := r.st.AffiliatesByCode(ctx, codes)
	if err != nil {
		return nil, err
	}
	for _, l := range listed {
		if !l.Former {
			out[l.Code] = l.Name
		}
	}
	return out, nil
}
