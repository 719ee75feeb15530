package boards_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tallyhq/tally/infra/apptest"
	"github.com/tallyhq/tally/infra/eventfile"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/standings"
	"github.com/tallyhq/tally/shared/handlers/affiliate/reports"
	"github.com/tallyhq/tally/shared/handlers/background/boards"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
	"github.com/tallyhq/tally/shared/handlers/owner/admin"
	"github.com/tallyhq/tally/shared/web/apigw"
)

var (
	secret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("test-webhook-secret-0123456789"))
	now    = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
)

// launchProgram has one event with a leaderboard, n affiliates enrolled in
// it, and one event without a board.
func launchProgram(t testing.TB, n int) *program.Program {
	t.Helper()
	var b strings.Builder
	b.WriteString(`currency: USD
timezone: America/New_York
fallback_url: https://example.com/
events:
  - {slug: launch, name: Launch Week, url: https://example.com/launch, leaderboard: true}
  - {slug: quiet, name: Quiet Event, url: https://example.com/quiet}
products:
  - {sku: L-REC, name: Recordings, event: launch, kind: recording, price_cents: 10000}
  - {sku: L-TRN, name: Transcripts, event: launch, kind: transcript, price_cents: 2500}
  - {sku: Q-REC, name: Quiet Recordings, event: quiet, kind: recording, price_cents: 5000}
plans:
  - {id: standard, rates_bp: {recording: 5000, transcript: 5000}}
owners:
  - {name: Accounts, api_key: test-owner-key}
affiliates:
`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - {code: a%d, name: Affiliate Person %d, email: a%d@example.com, plan: standard, events: [launch, quiet], api_key: key-a%d-0123}\n", i, i, i, i)
	}
	b.WriteString("  - {code: outsider, name: Out Sider, email: out@example.com, plan: standard, events: [quiet], api_key: key-out-0123}\n")
	p, err := program.Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type env struct {
	*apptest.App
	orders apigw.Handler
	optins apigw.Handler
	clock  *clockT
	folder *boards.Folder
	job    *boards.Job
	seq    int
}

// now moves the clock of the job and the handlers.
func (e *env) now(t time.Time) { e.clock.mu.Lock(); e.clock.t = t; e.clock.mu.Unlock() }

func newEnv(t testing.TB, n int) *env { return newEnvWith(t, launchProgram(t, n)) }

func newEnvWith(t testing.TB, p *program.Program) *env {
	clock := &clockT{t: now}
	a := apptest.New(t, apptest.Program(p), apptest.Config(func(c *app.Config) { c.WebhookSecrets = secret }),
		apptest.Clock(clock.now), apptest.Warm())
	return &env{App: a, orders: webhooks.Orders(a.Deps), optins: webhooks.OptIns(a.Deps), clock: clock,
		folder: &boards.Folder{Store: a.Store, Rules: a.Rules, Log: a.Log},
		job:    &boards.Job{Store: a.Store, Rules: a.Rules, Affiliates: a.Affiliates, Log: a.Log, Now: clock.now}}
}

// clockT is the test's clock, for the handlers and the job alike.
type clockT struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clockT) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// send posts a signed order or refund webhook and wants 200.
func (e *env) send(t testing.TB, body string) { e.sendTo(t, e.orders, "webhook-orders", body) }

func (e *env) sendTo(t testing.TB, h apigw.Handler, sample, body string) {
	t.Helper()
	req := eventfile.Load(t, sample)
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("msg_%d", time.Now().UnixNano())
	ts := e.clock.now()
	sig, err := wh.Sign(id, ts, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Headers["webhook-id"], req.Headers["webhook-timestamp"], req.Headers["webhook-signature"] = id, fmt.Sprint(ts.Unix()), sig
	req.Body = body
	resp, err := h(context.Background(), req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s %v", body, resp.StatusCode, resp.Body, err)
	}
}

func (e *env) order(t testing.TB, id, aff string, at time.Time, items ...string) {
	e.send(t, fmt.Sprintf(`{"id":%q,"type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"%s@buyer.example"},"affiliate":%q,"items":[%s]}`,
		id, at.Format(time.RFC3339), id, aff, strings.Join(items, ",")))
}

func (e *env) refund(t testing.TB, id, order string, at time.Time, items ...string) {
	its := ""
	if len(items) > 0 {
		its = `,"items":[` + strings.Join(items, ",") + `]`
	}
	e.send(t, fmt.Sprintf(`{"id":%q,"type":"order.refunded","occurred_at":%q,"order_id":%q%s}`, id, at.Format(time.RFC3339), order, its))
}

func line(sku string, q, price int) string {
	return fmt.Sprintf(`{"sku":%q,"quantity":%d,"unit_price_cents":%d}`, sku, q, price)
}

func unitsOf(sku string, q int) string { return fmt.Sprintf(`{"sku":%q,"quantity":%d}`, sku, q) }

// changes is the stream's records of the given orders as they are now
// (each order record's latest image, as a MODIFY after its refunds).
func (e *env) changes(t testing.TB, ids ...string) []store.Change {
	t.Helper()
	var out []store.Change
	for _, id := range ids {
		tx, err := e.Store.GetTxn(context.Background(), store.TxnKey(id))
		if err != nil || tx == nil {
			t.Fatalf("order %s: %v", id, err)
		}
		e.seq++
		out = append(out, store.Change{Op: "MODIFY", Sequence: fmt.Sprint(e.seq), Key: store.TxnKey(id), Txn: tx})
	}
	return out
}

func (e *env) fold(t testing.TB, cs []store.Change) {
	t.Helper()
	if failed, err := e.folder.Handle(context.Background(), cs); err != nil {
		t.Fatalf("batch failed at %s: %v", failed, err)
	}
}

func (e *env) board(t testing.TB) string {
	p, _ := e.Programs.Get(context.Background())
	ev, _ := p.Event("launch")
	return standings.Board("launch", standings.LeaderboardWindow(ev, now, p.Location()))
}

func (e *env) rows(t testing.TB) map[string]standings.Row {
	t.Helper()
	rows, err := e.Store.BoardRows(context.Background(), e.board(t))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]standings.Row{}
	for _, r := range rows {
		out[r.Affiliate] = r
	}
	return out
}

func (e *env) standings(t testing.TB) []store.BoardEntry {
	t.Helper()
	if err := e.job.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, es, err := e.Store.BoardStandings(context.Background(), e.board(t))
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func at(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, time.UTC) }

// Standings equal the sums of the orders: every affiliate's net revenue is
// what their orders in the window were worth less what was refunded of
// them, a wholly refunded order is no order, and orders outside the window
// or on a board-less event's link count nowhere.
func TestStandingsEqualTheSumsOfTheOrders(t *testing.T) {
	e := newEnv(t, 6)
	rng := rand.New(rand.NewPCG(26, 17))
	type want struct{ net, orders int64 }
	exp := map[string]*want{}
	var ids []string
	for i := range 40 {
		aff := fmt.Sprintf("a%d", 1+rng.IntN(6))
		id := fmt.Sprintf("o-%d", i)
		rec, trn := 1+rng.IntN(3), rng.IntN(3)
		items := []string{line("L-REC", rec, 10000)}
		if trn > 0 {
			items = append(items, line("L-TRN", trn, 2500))
		}
		e.order(t, id, aff, at(1+i%19, 15), items...)
		ids = append(ids, id)
		w := exp[aff]
		if w == nil {
			w = &want{}
			exp[aff] = w
		}
		w.net += int64(rec*10000 + trn*2500)
		w.orders++
		switch i % 5 {
		case 1: // one recording back
			e.refund(t, "r-"+id, id, at(20, 1), unitsOf("L-REC", 1))
			w.net -= 10000
			if rec == 1 && trn == 0 {
				w.orders--
			}
		case 3: // everything back
			e.refund(t, "r-"+id, id, at(20, 2))
			w.net -= int64(rec*10000 + trn*2500)
			w.orders--
		}
	}
	// Outside the window (October), and on the board-less event's link.
	e.order(t, "old", "a1", time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC), line("L-REC", 5, 10000))
	e.order(t, "quiet", "outsider", at(5, 12), line("Q-REC", 1, 5000))
	ids = append(ids, "old", "quiet")
	e.fold(t, e.changes(t, ids...))

	got := e.standings(t)
	seen := map[string]bool{}
	for i, s := range got {
		w := exp[s.Affiliate]
		if w == nil || s.Net != w.net || s.Orders != w.orders {
			t.Errorf("%s: net %d orders %d, want %+v", s.Affiliate, s.Net, s.Orders, w)
		}
		if s.Rank != i+1 || (i > 0 && got[i-1].Net < s.Net) {
			t.Errorf("place %d: %+v out of order", i+1, s)
		}
		seen[s.Affiliate] = true
	}
	for a, w := range exp {
		if !seen[a] && w.orders > 0 {
			t.Errorf("%s (%+v) is not on the board", a, *w)
		}
	}
	if seen["outsider"] {
		t.Error("an order on a board-less event's link counted")
	}
}

// A batch of the stream delivered twice, and twice at once, changes nothing
// more than once: each order's marker holds the version counted.
func TestABatchDeliveredTwiceChangesNothing(t *testing.T) {
	e := newEnv(t, 3)
	e.order(t, "o1", "a1", at(3, 15), line("L-REC", 2, 10000))
	e.order(t, "o2", "a2", at(4, 15), line("L-TRN", 1, 2500))
	first := e.changes(t, "o1", "o2")
	e.refund(t, "r1", "o1", at(6, 9), unitsOf("L-REC", 1))
	second := e.changes(t, "o1")

	e.fold(t, first)
	e.fold(t, second)
	once := e.rows(t)
	changes, _ := e.Store.BoardChanges(context.Background(), e.board(t))

	e.fold(t, first) // redelivered: older versions than counted
	e.fold(t, second)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = e.folder.Handle(context.Background(), append(append([]store.Change{}, first...), second...))
		}()
	}
	wg.Wait()
	again := e.rows(t)
	for a, r := range once {
		if again[a] != r {
			t.Errorf("%s: %+v after redelivery, was %+v", a, again[a], r)
		}
	}
	if once["a1"].Net != 10000 || once["a1"].Orders != 1 || once["a2"].Net != 2500 {
		t.Errorf("rows %+v", once)
	}
	if c, _ := e.Store.BoardChanges(context.Background(), e.board(t)); c != changes {
		t.Errorf("board changes %d after redelivery, was %d", c, changes)
	}
}

// A refund moves an affiliate down the board; ties go to whose last change
// came first.
func TestARefundMovesAnAffiliateDown(t *testing.T) {
	e := newEnv(t, 3)
	e.order(t, "o1", "a1", at(3, 15), line("L-REC", 3, 10000))
	e.order(t, "o2", "a2", at(4, 15), line("L-REC", 2, 10000))
	e.order(t, "o3", "a3", at(5, 15), line("L-REC", 2, 10000))
	e.fold(t, e.changes(t, "o1", "o2", "o3"))
	places := func() []string {
		var out []string
		for _, s := range e.standings(t) {
			out = append(out, fmt.Sprintf("%s:%d", s.Affiliate, s.Net))
		}
		return out
	}
	if got := strings.Join(places(), " "); got != "a1:30000 a2:20000 a3:20000" {
		t.Fatalf("before: %s", got)
	}
	e.refund(t, "r1", "o1", at(10, 9), unitsOf("L-REC", 2))
	e.fold(t, e.changes(t, "o1"))
	if got := strings.Join(places(), " "); got != "a2:20000 a3:20000 a1:10000" {
		t.Errorf("after the refund: %s", got)
	}
}

// The snapshot job skips a board with no change since its snapshot.
func TestSnapshotOnlyWhenChanged(t *testing.T) {
	e := newEnv(t, 2)
	e.order(t, "o1", "a1", at(3, 15), line("L-REC", 1, 10000))
	e.fold(t, e.changes(t, "o1"))
	e.standings(t)
	before := e.Meter.Snapshot()
	if err := e.job.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	d := e.Meter.Since(before)
	if d.Has("Query") || d.Has("BatchWriteItem") || d.Has("PutItem") {
		t.Errorf("an unchanged board was drawn again: %s", d)
	}
}

// as is a sample request of the route as the authorizer passes it on for
// who (an affiliate's code, or the owner's name), with a query.
func as(t testing.TB, sample, who string, q map[string]string) apigw.Request {
	req := eventfile.Load(t, sample)
	req.RequestContext.Authorizer.Lambda["subject"] = who
	req.QueryStringParameters = q
	parts := []string{}
	for k, v := range q {
		parts = append(parts, k+"="+v)
	}
	req.RawQueryString = strings.Join(parts, "&")
	return req
}

func call(t testing.TB, h apigw.Handler, req apigw.Request, v any) apigw.Response {
	t.Helper()
	resp, err := h(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal([]byte(resp.Body), v); err != nil {
			t.Fatalf("%s: %v", resp.Body, err)
		}
	}
	return resp
}

// An enrolled affiliate sees the top places under the names chosen and
// their own place with the gap to the place above; the owner sees every
// affiliate; nobody else sees the board.
func TestLeaderboardViews(t *testing.T) {
	e := newEnv(t, 3)
	e.order(t, "o1", "a1", at(3, 15), line("L-REC", 3, 10000))
	e.order(t, "o2", "a2", at(4, 15), line("L-REC", 2, 10000), line("L-TRN", 1, 2500))
	e.order(t, "o3", "a2", at(5, 15), line("L-TRN", 1, 2500))
	e.fold(t, e.changes(t, "o1", "o2", "o3"))
	e.standings(t)

	view := reports.Leaderboard(e.Deps)
	var got reports.LeaderboardAnswer
	if r := call(t, view, as(t, "report-leaderboard", "a2", map[string]string{"event": "launch"}), &got); r.StatusCode != 200 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	if got.From != "2026-11-01" || got.To != "2026-11-30" || got.AsOf == nil || len(got.Top) != 2 {
		t.Fatalf("%+v", got)
	}
	if got.Top[0].Name != "Affiliate 1" || got.Top[0].NetRevenueCents != 30000 || got.Top[1].Name != "Affiliate 2" || got.Top[1].NetRevenueCents != 25000 {
		t.Errorf("top %+v", got.Top)
	}
	if got.Me.Rank == nil || *got.Me.Rank != 2 || got.Me.GapCents == nil || *got.Me.GapCents != 5000 || got.Me.NetRevenueCents != 25000 {
		t.Errorf("me %+v", got.Me)
	}
	// a1 leads: no gap. a3 has no order: no rank.
	call(t, view, as(t, "report-leaderboard", "a1", map[string]string{"event": "launch"}), &got)
	if got.Me.Rank == nil || *got.Me.Rank != 1 || got.Me.GapCents != nil {
		t.Errorf("leader %+v", got.Me)
	}
	call(t, view, as(t, "report-leaderboard", "a3", map[string]string{"event": "launch"}), &got)
	if got.Me.Rank != nil || got.Me.GapCents != nil || got.Me.NetRevenueCents != 0 {
		t.Errorf("no order yet %+v", got.Me)
	}
	// Unknown event, an event without a board, and an affiliate not enrolled: 404.
	for who, ev := range map[string]string{"a1": "nope", "a2": "quiet", "outsider": "launch"} {
		if r := call(t, view, as(t, "report-leaderboard", who, map[string]string{"event": ev}), nil); r.StatusCode != 404 {
			t.Errorf("%s on %s: %d %s", who, ev, r.StatusCode, r.Body)
		}
	}
	// The menu's link for an affiliate without a board: a page that says so.
	page := as(t, "report-leaderboard", "outsider", nil)
	page.Headers["accept"] = "text/html"
	if r := call(t, view, page, nil); r.StatusCode != 200 || !strings.Contains(r.Body, "None of your events has a leaderboard") {
		t.Errorf("no board, page: %d %s", r.StatusCode, r.Body)
	}
	// CSV: the top places.
	if r := call(t, view, as(t, "report-leaderboard", "a2", map[string]string{"event": "launch", "format": "csv"}), nil); r.Body != "rank,name,net_revenue_cents\r\n1,Affiliate 1,30000\r\n2,Affiliate 2,25000\r\n" && r.Body != "rank,name,net_revenue_cents\n1,Affiliate 1,30000\n2,Affiliate 2,25000\n" {
		t.Errorf("csv %q", r.Body)
	}

	// a1 shows their name: the next snapshot has it, for everyone.
	if err := e.Store.SetShowName(context.Background(), "launch", "a1", e.board(t), true, now); err != nil {
		t.Fatal(err)
	}
	e.standings(t)
	call(t, view, as(t, "report-leaderboard", "a2", map[string]string{"event": "launch"}), &got)
	if got.Top[0].Name != "Affiliate Person 1" || got.Top[1].Name != "Affiliate 2" {
		t.Errorf("after a1 chose to show their name: %+v", got.Top)
	}

	var owner struct {
		Event     string           `json:"event"`
		Standings []admin.Standing `json:"standings"`
	}
	if r := call(t, admin.Leaderboard(e.Deps), as(t, "admin-leaderboard", "Accounts", map[string]string{"event": "launch"}), &owner); r.StatusCode != 200 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	want := []admin.Standing{{Rank: 1, Affiliate: "a1", Name: "Affiliate Person 1", NetRevenueCents: 30000, Orders: 1}, {Rank: 2, Affiliate: "a2", Name: "Affiliate Person 2", NetRevenueCents: 25000, Orders: 2}}
	if owner.Event != "launch" || fmt.Sprint(owner.Standings) != fmt.Sprint(want) {
		t.Errorf("owner %+v", owner)
	}
}

// Orders of one affiliate counted at once from several shards all count:
// transactions that meet on the row are tried again.
func TestOrdersCountedAtOnceAllCount(t *testing.T) {
	e := newEnv(t, 1)
	var ids []string
	for i := range 16 {
		id := fmt.Sprintf("c-%d", i)
		e.order(t, id, "a1", at(3, 10), line("L-TRN", 1, 2500))
		ids = append(ids, id)
	}
	cs := e.changes(t, ids...)
	var wg sync.WaitGroup
	for shard := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if failed, err := e.folder.Handle(context.Background(), cs[shard*4:shard*4+4]); err != nil {
				t.Errorf("shard %d failed at %s: %v", shard, failed, err)
			}
		}()
	}
	wg.Wait()
	if r := e.rows(t)["a1"]; r.Net != 16*2500 || r.Orders != 16 {
		t.Errorf("row %+v, want 16 orders of 2500", r)
	}
	if c, _ := e.Store.BoardChanges(context.Background(), e.board(t)); c != 16 {
		t.Errorf("%d changes counted, want 16", c)
	}
}
