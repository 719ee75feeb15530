package boards_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/affiliate/reports"
	"github.com/tallyhq/tally/shared/handlers/owner/admin"
)

// contestProgram is launchProgram with two contests on launch: net
// revenue over 1 to 7 November (min $100, two cash prizes and a book) and
// opt-ins over November.
func contestProgram(t testing.TB) *program.Program {
	p := launchProgram(t, 3)
	p.Events[0].Contests = []program.Contest{
		{ID: "launch-week", Name: "Launch Week", From: "2026-11-01", To: "2026-11-07", Metric: program.MetricNetRevenue, Min: 10000,
			Prizes: []program.Prize{{Rank: 1, Cents: 50000}, {Rank: 2, Cents: 20000}, {Rank: 3, Text: "a signed book"}}},
		{ID: "signups", Name: "Signups", From: "2026-11-01", To: "2026-11-30", Metric: program.MetricOptIns, Min: 2},
	}
	if err := p.Index(); err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *env) optIn(t testing.TB, id, aff string, at time.Time) {
	e.sendTo(t, e.optins, "webhook-optins", fmt.Sprintf(`{"id":%q,"occurred_at":%q,"event":"launch","contact":{"email":"%s@lead.example"},"affiliate":%q}`, id, at.Format(time.RFC3339), id, aff))
}

// optInChanges are the stream's records of the given opt-ins.
func (e *env) optInChanges(t testing.TB, ids ...string) []store.Change {
	var out []store.Change
	for _, id := range ids {
		tx, err := e.Store.GetTxn(context.Background(), store.OptInKey(id))
		if err != nil || tx == nil {
			t.Fatalf("opt-in %s: %v", id, err)
		}
		e.seq++
		out = append(out, store.Change{Op: "INSERT", Sequence: fmt.Sprint(e.seq), Key: store.OptInKey(id), OptIn: tx})
	}
	return out
}

type contestJSON struct {
	Event, ID, Name, From, To, Metric, Status string
	Me                                        struct {
		Rank      *int
		Value     int64
		Qualified bool
	}
}

func (e *env) contests(t testing.TB, who string) map[string]contestJSON {
	t.Helper()
	var out struct{ Contests []contestJSON }
	if r := call(t, reports.Contests(e.Deps), as(t, "report-contests", who, nil), &out); r.StatusCode != 200 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	m := map[string]contestJSON{}
	for _, c := range out.Contests {
		m[c.ID] = c
	}
	return m
}

func (e *env) ownerContest(t testing.TB, id string) (string, []admin.ContestEntrant) {
	t.Helper()
	req := as(t, "admin-contest", "Accounts", nil)
	req.PathParameters = map[string]string{"event": "launch", "id": id}
	var out struct {
		Status    string
		Standings []admin.ContestEntrant
	}
	if r := call(t, admin.Contest(e.Deps), req, &out); r.StatusCode != 200 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	return out.Status, out.Standings
}

func places(es []admin.ContestEntrant) string {
	var out []string
	for _, x := range es {
		out = append(out, fmt.Sprintf("%s:%d", x.Affiliate, x.Value))
	}
	return strings.Join(out, " ")
}

func (e *env) award(t testing.TB) (int, string) {
	t.Helper()
	req := as(t, "admin-contest-award", "Accounts", nil)
	req.PathParameters = map[string]string{"event": "launch", "id": "launch-week"}
	r := call(t, admin.AwardContest(e.Deps), req, nil)
	return r.StatusCode, r.Body
}

// A contest is live in its window, provisional after it while a refund
// within the hold can change it (and one does: it moves a contestant
// down), then final once every commission it counted is past its hold;
// final standings are stored and never change.
func TestARefundInsideTheHoldMovesAContestantDown(t *testing.T) {
	e := newEnvWith(t, contestProgram(t))
	e.now(at(4, 12))
	e.order(t, "o1", "a1", at(3, 15), line("L-REC", 3, 10000))
	e.order(t, "o2", "a2", at(4, 10), line("L-REC", 2, 10000))
	e.order(t, "o3", "a3", at(9, 10), line("L-REC", 9, 10000)) // after the window
	e.optIn(t, "p1", "a3", at(4, 11))
	e.optIn(t, "p2", "a3", at(5, 11))
	e.optIn(t, "p3", "a1", at(5, 12))
	e.fold(t, append(e.changes(t, "o1", "o2", "o3"), e.optInChanges(t, "p1", "p2", "p3")...))
	e.standings(t)
	if c := e.contests(t, "a1")["launch-week"]; c.Status != "live" || c.Me.Rank == nil || *c.Me.Rank != 1 || c.Me.Value != 30000 || !c.Me.Qualified {
		t.Errorf("live: %+v", c)
	}
	if c := e.contests(t, "a1")["signups"]; c.Me.Rank == nil || *c.Me.Rank != 2 || c.Me.Value != 1 || c.Me.Qualified {
		t.Errorf("opt-ins: %+v", c)
	}

	// After the window: provisional; a refund inside the hold moves a1 down.
	e.now(at(20, 12))
	e.refund(t, "r1", "o1", at(20, 11), unitsOf("L-REC", 2))
	e.fold(t, e.changes(t, "o1"))
	e.standings(t)
	status, got := e.ownerContest(t, "launch-week")
	if status != "provisional" || places(got) != "a2:20000 a1:10000" {
		t.Errorf("provisional after the refund: %s %s", status, places(got))
	}
	if code, body := e.award(t); code != 409 || !strings.Contains(body, `"not_final"`) {
		t.Errorf("award before final: %d %s", code, body)
	}

	// Past every commission's hold (30 days after 4 November): final, stored.
	e.now(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	e.standings(t)
	status, final := e.ownerContest(t, "launch-week")
	if status != "final" || places(final) != "a2:20000 a1:10000" {
		t.Fatalf("final: %s %s", status, places(final))
	}
	// A refund after final changes the rows, never the final standings.
	e.refund(t, "r2", "o2", time.Date(2026, 12, 5, 11, 0, 0, 0, time.UTC))
	e.fold(t, e.changes(t, "o2"))
	e.standings(t)
	if status, again := e.ownerContest(t, "launch-week"); status != "final" || places(again) != places(final) {
		t.Errorf("final standings changed: %s %s", status, places(again))
	}
	if c := e.contests(t, "a2")["launch-week"]; c.Status != "final" || c.Me.Rank == nil || *c.Me.Rank != 1 {
		t.Errorf("a2 sees %+v", c)
	}
}

// Award prizes twice at once, and again, writes one set of adjustments,
// each explained, and answers the same every time.
func TestAwardTwiceAtOnceWritesOneSetOfAdjustments(t *testing.T) {
	e := newEnvWith(t, contestProgram(t))
	e.order(t, "o1", "a1", at(3, 15), line("L-REC", 3, 10000))
	e.order(t, "o2", "a2", at(4, 10), line("L-REC", 1, 10000))
	e.order(t, "o3", "a3", at(4, 11), line("L-TRN", 2, 2500)) // under the minimum
	e.fold(t, e.changes(t, "o1", "o2", "o3"))
	e.now(time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC))
	e.standings(t)

	var wg sync.WaitGroup
	answers := make([]string, 4)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body := e.award(t)
			if code != 200 {
				t.Errorf("award %d: %d %s", i, code, body)
			}
			answers[i] = body
		}()
	}
	wg.Wait()
	_, last := e.award(t)
	want := `{"awarded":[{"affiliate":"a1","rank":1,"cents":50000,"entry_id":"a:contest:launch:launch-week:1"},{"affiliate":"a2","rank":2,"cents":20000,"entry_id":"a:contest:launch:launch-week:2"}]}`
	for i, a := range append(answers, last) {
		if strings.TrimSpace(a) != want {
			t.Errorf("answer %d: %s", i, a)
		}
	}
	for aff, want := range map[string]string{"a1": "50000 1st place, Launch Week contest", "a2": "20000 2nd place, Launch Week contest", "a3": ""} {
		es, err := e.Store.Entries(context.Background(), aff, time.Unix(0, 0), now.AddDate(1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range es {
			if x.Type == ledger.TypeAdjustment {
				got = append(got, fmt.Sprintf("%d %s", x.AmountCents, x.Reason))
			}
		}
		if strings.Join(got, "|") != want {
			t.Errorf("%s's adjustments: %q, want %q", aff, got, want)
		}
	}
}
