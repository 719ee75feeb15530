package reports

import (
	"context"
	"fmt"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/money"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/standings"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Contests serves GET /reports/contests (SPEC 17): every contest of the
// affiliate's events, where it stands, and the affiliate's place in it.
func Contests(d *app.Deps) apigw.Handler {
	return serve(d, view{name: "contests", title: "Contests", answer: contestsView})
}

// MyEntry is the affiliate's place in a contest (rank null without one).
type MyEntry struct {
	Rank      *int  `json:"rank"`
	Value     int64 `json:"value"`
	Qualified bool  `json:"qualified"`
}

// ContestAnswer is one contest as an affiliate sees it.
type ContestAnswer struct {
	Event  string  `json:"event"`
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	From   string  `json:"from"`
	To     string  `json:"to"`
	Metric string  `json:"metric"`
	Status string  `json:"status"`
	Me     MyEntry `json:"me"`
}

var contestsHeader = []string{"event", "id", "name", "from", "to", "metric", "status", "rank", "value", "qualified"}

// ContestState is where a contest stands: its status, the standings it is
// read from (the final ones once stored, else the latest snapshot; nil
// before any), and, when asked for, one affiliate's place.
type ContestState struct {
	Status string
	Snap   *store.BoardSnapshot
	Mine   *store.BoardEntry
}

// ReadContest reads a contest's state (affiliate "" for none): the board's
// head for its hold, then the final standings when the hold is over (a
// contest past its hold stays provisional until the job stores them,
// within a minute), else the snapshot. Two or three GetItems.
func ReadContest(ctx context.Context, st *store.Store, p *program.Program, ev *program.Event, c *program.Contest, affiliate string, now time.Time) (ContestState, error) {
	board := standings.ContestBoard(ev.Slug, c.ID)
	head, err := st.Head(ctx, board)
	if err != nil {
		return ContestState{}, err
	}
	s := ContestState{Status: standings.Status(standings.ContestWindow(c), p.Location(), now, head.HoldUntil)}
	switch s.Status {
	case standings.Upcoming:
		return s, nil
	case standings.Final:
		if s.Snap, s.Mine, err = st.BoardFinal(ctx, board, affiliate); err != nil || s.Snap != nil {
			return s, err
		}
		s.Status = standings.Provisional
	}
	s.Snap, s.Mine, err = st.BoardTop(ctx, board, affiliate)
	return s, err
}

// ContestPage is one contest on the affiliate's page.
type ContestPage struct {
	ContestAnswer
	EventName, Place, Value, Min, AsOf string
	Prizes                             []string
}

func contestsView(ctx context.Context, r Request) (Answer, error) {
	out := []ContestAnswer{}
	var rows [][]any
	var page []ContestPage
	cur, loc := r.Program.Currency, r.Program.Location()
	for _, slug := range r.Affiliate.Events {
		ev, ok := r.Program.Event(slug)
		if !ok {
			continue
		}
		for i := range ev.Contests {
			c := &ev.Contests[i]
			s, err := ReadContest(ctx, r.Store, r.Program, ev, c, r.Affiliate.Code, r.Now)
			if err != nil {
				return Answer{}, err
			}
			a := ContestAnswer{Event: ev.Slug, ID: c.ID, Name: c.Name, From: c.From, To: c.To, Metric: c.Metric, Status: s.Status}
			pg := ContestPage{EventName: ev.Name, Min: MetricText(c.Metric, c.Min, cur), Prizes: PrizeTexts(c, cur)}
			if s.Mine != nil {
				rank := s.Mine.Rank
				a.Me = MyEntry{Rank: &rank, Value: s.Mine.Value, Qualified: standings.Qualified(c, s.Mine.Value)}
				pg.Place = standings.Ordinal(rank)
			}
			if s.Snap != nil {
				pg.AsOf = s.Snap.AsOf.In(loc).Format("Mon 2 Jan 2006, 15:04")
			}
			pg.ContestAnswer, pg.Value = a, MetricText(c.Metric, a.Me.Value, cur)
			out = append(out, a)
			page = append(page, pg)
			var rank any = ""
			if a.Me.Rank != nil {
				rank = *a.Me.Rank
			}
			rows = append(rows, []any{a.Event, a.ID, a.Name, a.From, a.To, a.Metric, a.Status, rank, a.Me.Value, a.Me.Qualified})
		}
	}
	return Answer{JSON: map[string]any{"contests": out}, Header: contestsHeader, Rows: rows, Title: "Contests", Page: page}, nil
}

// MetricText is a contest's number in words: money for net revenue, else
// a count.
func MetricText(metric string, v int64, currency string) string {
	switch metric {
	case program.MetricOrders:
		return plural(v, "order", "orders")
	case program.MetricOptIns:
		return plural(v, "opt-in", "opt-ins")
	}
	return money.Format(v, currency)
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// PrizeTexts are a contest's prizes in words: "1st place: $500.00 and a
// signed book".
func PrizeTexts(c *program.Contest, currency string) []string {
	var out []string
	for _, pz := range c.Prizes {
		t := standings.Ordinal(pz.Rank) + " place: "
		switch {
		case pz.Cents > 0 && pz.Text != "":
			t += money.Format(pz.Cents, currency) + " and " + pz.Text
		case pz.Cents > 0:
			t += money.Format(pz.Cents, currency)
		default:
			t += pz.Text
		}
		out = append(out, t)
	}
	return out
}
