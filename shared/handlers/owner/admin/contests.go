package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/csvout"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/standings"
	"github.com/tallyhq/tally/shared/handlers/affiliate/reports"
	"github.com/tallyhq/tally/shared/web"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// ContestEntrant is one place of a contest as the owner sees it.
type ContestEntrant struct {
	Rank      int    `json:"rank"`
	Affiliate string `json:"affiliate"`
	Name      string `json:"name"`
	Value     int64  `json:"value"`
	Qualified bool   `json:"qualified"`
}

// Awarded is one cash prize written as an adjustment.
type Awarded struct {
	Affiliate string `json:"affiliate"`
	Rank      int    `json:"rank"`
	Cents     int64  `json:"cents"`
	EntryID   string `json:"entry_id"`
}

var contestHeader = []string{"rank", "affiliate", "name", "value", "qualified"}

// contestOf is the contest a path names; not found otherwise.
func contestOf(r *request) (*program.Event, *program.Contest, error) {
	ev, ok := r.Program.Event(r.PathParameters["event"])
	if ok {
		if c, ok := ev.Contest(r.PathParameters["id"]); ok {
			return ev, c, nil
		}
	}
	return nil, nil, fault.New(fault.NotFound, "contest_not_found", "no contest %q in event %q", r.PathParameters["id"], r.PathParameters["event"])
}

// Contest serves GET /admin/contests/{event}/{id} (SPEC 17): the standings
// with each entrant's number, whether they qualify, and (once final) the
// Award prizes button.
func Contest(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		ev, c, err := contestOf(r)
		if err != nil {
			return apigw.Response{}, err
		}
		return contestAnswer(ctx, r, ev, c, nil)
	})
}

func contestAnswer(ctx context.Context, r *request, ev *program.Event, c *program.Contest, awarded []Awarded) (apigw.Response, error) {
	s, err := reports.ReadContest(ctx, r.st, r.Program, ev, c, "", r.now)
	if err != nil {
		return apigw.Response{}, err
	}
	board := standings.ContestBoard(ev.Slug, c.ID)
	var entries []store.BoardEntry
	switch {
	case s.Status == standings.Final:
		_, entries, err = r.st.BoardFinalStandings(ctx, board)
	case s.Snap != nil:
		_, entries, err = r.st.BoardStandings(ctx, board)
	}
	if err != nil {
		return apigw.Response{}, err
	}
	out := struct {
		Event     string           `json:"event"`
		ID        string           `json:"id"`
		Name      string           `json:"name"`
		Metric    string           `json:"metric"`
		Status    string           `json:"status"`
		Standings []ContestEntrant `json:"standings"`
	}{ev.Slug, c.ID, c.Name, c.Metric, s.Status, make([]ContestEntrant, 0, len(entries))}
	names, err := r.names(ctx, entries)
	if err != nil {
		return apigw.Response{}, err
	}
	rows := make([][]any, 0, len(entries))
	for _, e := range entries {
		x := ContestEntrant{Rank: e.Rank, Affiliate: e.Affiliate, Name: names[e.Affiliate], Value: e.Value, Qualified: standings.Qualified(c, e.Value)}
		out.Standings = append(out.Standings, x)
		rows = append(rows, []any{x.Rank, x.Affiliate, x.Name, x.Value, x.Qualified})
	}
	switch r.Format {
	case web.CSV:
		return apigw.CSV("tally-contest-"+ev.Slug+"-"+c.ID+".csv", csvout.Write(contestHeader, rows)), nil
	case web.Page:
		type row struct {
			ContestEntrant
			Text string
		}
		body := struct {
			Name, EventName, From, To, Status, AsOf, Min, CSVURL, AwardURL string
			Prizes                                                         []string
			Rows                                                           []row
			Awarded                                                        []Awarded
			Done                                                           bool
		}{Name: c.Name, EventName: ev.Name, From: c.From, To: c.To, Status: s.Status, Min: reports.MetricText(c.Metric, c.Min, r.Program.Currency),
			Prizes: reports.PrizeTexts(c, r.Program.Currency), Awarded: awarded, Done: awarded != nil,
			CSVURL:   "/admin/contests/" + url.PathEscape(ev.Slug) + "/" + url.PathEscape(c.ID) + "?format=csv",
			AwardURL: "/admin/contests/" + url.PathEscape(ev.Slug) + "/" + url.PathEscape(c.ID) + "/award"}
		if s.Snap != nil {
			body.AsOf = s.Snap.AsOf.In(r.Program.Location()).Format("Mon 2 Jan 2006, 15:04")
		}
		for _, x := range out.Standings {
			body.Rows = append(body.Rows, row{x, reports.MetricText(c.Metric, x.Value, r.Program.Currency)})
		}
		return r.page("admin-contest", c.Name, "leaderboard", body)
	}
	return apigw.JSON(http.StatusOK, out), nil
}

// AwardContest serves POST /admin/contests/{event}/{id}/award: once the
// standings are final, one adjustment per cash prize to the qualified
// entrant in its place, each written once (its id is the contest's and the
// place's, put with a condition), so a second click, a retry or two awards
// at once write one set; the answer is the same every time. Before final:
// 409 not_final, nothing written.
func AwardContest(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		ev, c, err := contestOf(r)
		if err != nil {
			return apigw.Response{}, err
		}
		board := standings.ContestBoard(ev.Slug, c.ID)
		final, _, err := r.st.BoardFinal(ctx, board, "")
		if err != nil {
			return apigw.Response{}, err
		}
		if final == nil {
			return apigw.Response{}, fault.New(fault.Conflict, "not_final", "the standings of %q are not final yet", c.ID)
		}
		var places []standings.Standing
		for _, e := range final.Top { // prizes are for the top 20 places
			places = append(places, standings.Standing{Rank: e.Rank, Row: standings.Row{Affiliate: e.Affiliate}, Value: e.Value})
		}
		awarded := []Awarded{}
		for _, a := range standings.Awards(c, places) {
			id := "contest:" + ev.Slug + ":" + c.ID + ":" + strconv.Itoa(a.Rank)
			e := ledger.Entry{ID: "a:" + id, Affiliate: a.Affiliate, At: r.now.UTC(), Type: ledger.TypeAdjustment,
				Rule: ledger.RuleAdjustment, AmountCents: a.Cents, Reason: a.Reason, AvailableOn: r.now.UTC()}
			b, _ := json.Marshal(map[string]any{"adjustment_id": id, "entry_id": e.ID, "affiliate": e.Affiliate, "amount_cents": e.AmountCents, "reason": e.Reason})
			err := r.st.PutAdjustment(ctx, id, store.Adjustment{Hash: "contest-prize", Response: string(b)}, e)
			if err != nil && !errors.Is(err, store.ErrExists) { // exists: awarded before, or by a concurrent click
				return apigw.Response{}, err
			}
			awarded = append(awarded, Awarded{Affiliate: a.Affiliate, Rank: a.Rank, Cents: a.Cents, EntryID: e.ID})
		}
		r.Log.Info("contest prizes awarded", "event", ev.Slug, "contest", c.ID, "prizes", len(awarded))
		if r.Form != nil {
			return contestAnswer(ctx, r, ev, c, awarded)
		}
		return apigw.JSON(http.StatusOK, map[string]any{"awarded": awarded}), nil
	})
}
