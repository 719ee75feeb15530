package reports

import (
	"context"
	"net/url"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/standings"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
)

// Leaderboard serves GET /reports/leaderboard?event=<slug> (SPEC 17): the
// event's top places and the affiliate's own, from the board's snapshot.
func Leaderboard(d *app.Deps) apigw.Handler {
	return serve(d, view{name: "leaderboard", title: "Leaderboard", answer: leaderboardView})
}

// LeaderboardPost serves POST /reports/leaderboard (a form: event,
// show_name): whether the affiliate's name is shown on the event's boards.
func LeaderboardPost(d *app.Deps) apigw.Handler {
	return serve(d, view{name: "leaderboard", title: "Leaderboard", answer: leaderboardView, post: setShowName})
}

// Place is one place of a leaderboard as an affiliate sees it.
type Place struct {
	Rank            int    `json:"rank"`
	Name            string `json:"name"`
	NetRevenueCents int64  `json:"net_revenue_cents"`
}

// MyPlace is the asking affiliate's own place: no rank (and no gap) before
// their first counted order.
type MyPlace struct {
	Rank            *int   `json:"rank"`
	Name            string `json:"name"`
	NetRevenueCents int64  `json:"net_revenue_cents"`
	GapCents        *int64 `json:"gap_cents"`
}

// LeaderboardAnswer is the view's JSON.
type LeaderboardAnswer struct {
	Event    string  `json:"event"`
	From     string  `json:"from"`
	To       string  `json:"to"`
	AsOf     *string `json:"as_of"`
	ShowName bool    `json:"show_name"`
	Top      []Place `json:"top"`
	Me       MyPlace `json:"me"`
}

var leaderboardHeader = []string{"rank", "name", "net_revenue_cents"}

// boardEvent is the event a leaderboard request names (the form's, or the
// query's): one with a leaderboard the affiliate is enrolled in, else not
// found. Without a name, the affiliate's first such event.
func boardEvent(r Request) (*program.Event, error) {
	slug := r.Req.QueryStringParameters["event"]
	if r.Form != nil {
		slug = r.Form.Get("event")
	}
	if slug == "" {
		for _, e := range r.Affiliate.Events {
			if ev, ok := r.Program.Event(e); ok && ev.Leaderboard {
				return ev, nil
			}
		}
	}
	ev, ok := r.Program.Event(slug)
	if !ok || !ev.Leaderboard || !r.Affiliate.EnrolledIn(slug) {
		return nil, fault.New(fault.NotFound, "not_found", "no leaderboard for event %q", slug)
	}
	return ev, nil
}

func setShowName(ctx context.Context, r Request) error {
	ev, err := boardEvent(r)
	if err != nil {
		return err
	}
	var show bool
	switch r.Form.Get("show_name") {
	case "on", "true":
		show = true
	case "", "off", "false":
	default:
		return fault.Fields(map[string]string{"show_name": "on or off"})
	}
	w := standings.LeaderboardWindow(ev, r.Now, r.Program.Location())
	return r.Store.SetShowName(ctx, ev.Slug, r.Affiliate.Code, standings.Board(ev.Slug, w), show, r.Now)
}

func leaderboardView(ctx context.Context, r Request) (Answer, error) {
	ev, err := boardEvent(r)
	if err != nil && r.Format == "html" && r.Req.QueryStringParameters["event"] == "" && r.Form == nil {
		// The menu's link, for an affiliate none of whose events has a board.
		return Answer{Title: "Leaderboard", Page: LeaderboardPage{}}, nil
	}
	if err != nil {
		return Answer{}, err
	}
	loc := r.Program.Location()
	w := standings.LeaderboardWindow(ev, r.Now, loc)
	snap, mine, err := r.Store.BoardTop(ctx, standings.Board(ev.Slug, w), r.Affiliate.Code)
	if err != nil {
		return Answer{}, err
	}
	al, err := r.Store.Alias(ctx, ev.Slug, r.Affiliate.Code)
	if err != nil {
		return Answer{}, err
	}
	out := LeaderboardAnswer{Event: ev.Slug, From: w.From, To: w.To, ShowName: al.Show, Top: []Place{}}
	switch {
	case al.Show:
		out.Me.Name = r.Affiliate.Name
	case al.N > 0:
		out.Me.Name = standings.Alias(al.N)
	default:
		out.Me.Name = "Affiliate (numbered at your first sale)"
	}
	if snap != nil {
		asOf := rfc(snap.AsOf)
		out.AsOf = &asOf
		for _, e := range snap.Top {
			out.Top = append(out.Top, Place{Rank: e.Rank, Name: e.Name, NetRevenueCents: e.Net})
		}
	}
	if mine != nil {
		rank := mine.Rank
		name := mine.Alias // the choice made since the snapshot shows at once to the affiliate
		if al.Show {
			name = r.Affiliate.Name
		}
		out.Me = MyPlace{Rank: &rank, Name: name, NetRevenueCents: mine.Net, GapCents: mine.Gap}
	}
	rows := make([][]any, 0, len(out.Top))
	for _, p := range out.Top {
		rows = append(rows, []any{p.Rank, p.Name, p.NetRevenueCents})
	}
	ans := Answer{JSON: out, Header: leaderboardHeader, Rows: rows, Title: ev.Name + " leaderboard"}
	if r.Format == "html" {
		ans.Page = leaderboardPage(r, ev, out, snap, mine)
	}
	return ans, nil
}

// LeaderboardPage is the page's view model.
type LeaderboardPage struct {
	Event, EventName, From, To, AsOf, CSVURL string
	Top                                      []PlacePage
	Me                                       MyPlace
	MeNet, MeGap                             portal.Money
	Ranked, ShowName                         bool
	MyName, Token                            string
	Others                                   []BoardLink
}

// PlacePage is a place on the page; Mine marks the affiliate's own.
type PlacePage struct {
	Rank int
	Name string
	Net  portal.Money
	Mine bool
}

// BoardLink is another event's leaderboard the affiliate can open.
type BoardLink struct{ Name, URL string }

func leaderboardPage(r Request, ev *program.Event, out LeaderboardAnswer, snap *store.BoardSnapshot, mine *store.BoardEntry) LeaderboardPage {
	cur := r.Program.Currency
	pg := LeaderboardPage{Event: ev.Slug, EventName: ev.Name, From: out.From, To: out.To, ShowName: out.ShowName, MyName: r.Affiliate.Name,
		Me: out.Me, MeNet: amount(out.Me.NetRevenueCents, cur), Ranked: mine != nil,
		CSVURL: "/reports/leaderboard?" + url.Values{"event": {ev.Slug}, "format": {"csv"}}.Encode()}
	if out.Me.GapCents != nil {
		pg.MeGap = amount(*out.Me.GapCents, cur)
	}
	if snap != nil {
		pg.AsOf = snap.AsOf.In(r.Program.Location()).Format("Mon 2 Jan 2006, 15:04")
	}
	for _, t := range out.Top {
		pg.Top = append(pg.Top, PlacePage{Rank: t.Rank, Name: t.Name, Net: amount(t.NetRevenueCents, cur), Mine: mine != nil && mine.Rank == t.Rank})
	}
	for _, e := range r.Affiliate.Events {
		if o, ok := r.Program.Event(e); ok && o.Leaderboard && e != ev.Slug {
			pg.Others = append(pg.Others, BoardLink{Name: o.Name, URL: "/reports/leaderboard?" + url.Values{"event": {e}}.Encode()})
		}
	}
	return pg
}
