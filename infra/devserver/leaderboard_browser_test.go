package devserver_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tallyhq/tally/infra/browsertest"
	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/domain/standings"
	"github.com/tallyhq/tally/shared/handlers/background/boards"
	"github.com/tallyhq/tally/shared/handlers/background/notify"
)

// snapshotBoards waits until the dev server's stream consumer has counted
// n changes on summit-2026's board, then runs the snapshot job once, as
// its schedule would.
func snapshotBoards(t *testing.T, x *tally, n int64) {
	t.Helper()
	ctx := context.Background()
	p, err := x.srv.Deps.Programs.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := p.Event("summit-2026")
	board := standings.Board(ev.Slug, standings.LeaderboardWindow(ev, x.clock(), p.Location()))
	for i := 0; ; i++ {
		c, err := x.srv.Deps.Store.BoardChanges(ctx, board)
		if err != nil {
			t.Fatal(err)
		}
		if c >= n {
			x.counted = time.Now()
			break
		}
		if i == 600 {
			t.Fatalf("the stream consumer counted %d changes of %d", c, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := boards.Snapshot(x.srv.Deps)(ctx, notify.DigestInput{}); err != nil {
		t.Fatal(err)
	}
}

// The leaderboard pages in Chromium: the affiliate's place and gap agree
// with the JSON, the name choice goes through the form and shows on the
// next snapshot, the owner sees everyone; screenshots at desktop and phone
// widths, no sideways scrolling, no axe-core violation.
func TestLeaderboardPagesInABrowser(t *testing.T) {
	x := startOpts(t, dynamotest.DynamoDBLocal, nil, func(o *devserver.Options) {
		o.DynamoDBEndpoint, o.Table, o.Notify = "", "", true // the embedded store and its stream, every consumer running
	})
	order := func(id, aff string, q int) {
		x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":%q,"type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"%s@buyer.example"},"affiliate":%q,"items":[{"sku":"SUM26-REC","quantity":%d,"unit_price_cents":9700}]}`, id, x.at(), id, aff, q))
	}
	order("lb-1", "jane", 1)
	order("lb-2", "bob", 2)
	snapshotBoards(t, x, 2)

	var js struct {
		Top []struct {
			Rank            int
			Name            string
			NetRevenueCents int64 `json:"net_revenue_cents"`
		}
		Me struct {
			Rank     *int
			GapCents *int64 `json:"gap_cents"`
		}
	}
	x.json("/reports/leaderboard?event=summit-2026", "dev-jane-key", &js)
	if len(js.Top) != 2 || js.Me.Rank == nil || *js.Me.Rank != 2 || js.Me.GapCents == nil || *js.Me.GapCents != 9700 {
		t.Fatalf("JSON %+v", js)
	}

	ctx := browsertest.Browser(t)
	text := func(js string) string {
		t.Helper()
		return must[string](t)(chromedp.Run(ctx, chromedp.Evaluate[string](js)))
	}
	browserSignIn(t, ctx, x, "/reports/leaderboard?event=summit-2026", "jane@example.com", "section[aria-labelledby=top]")
	totals := text(`document.querySelector(".totals").textContent`)
	for _, want := range []string{"Your place2", "$97.00", "To the place above$97.00"} {
		if !strings.Contains(strings.Join(strings.Fields(totals), ""), strings.ReplaceAll(want, " ", "")) {
			t.Errorf("totals %q lack %q", totals, want)
		}
	}
	rows := text(`Array.from(document.querySelectorAll("section[aria-labelledby=top] tbody tr")).map(r => Array.from(r.querySelectorAll("td")).map(c => c.textContent).join(",")).join("|")`)
	if rows != "1,Affiliate 1,$194.00|2,Affiliate 2 (you),$97.00" {
		t.Errorf("top rows %q", rows)
	}
	if !strings.Contains(text(`document.querySelector("main").textContent`), "As of ") {
		t.Error("the page does not say as of when")
	}
	if c := text(`document.querySelector("nav a[aria-current=page]").textContent`); c != "Leaderboard" {
		t.Errorf("menu marks %q", c)
	}
	lookAt(t, ctx, "leaderboard")

	// Show my name: a form with the session's token; the next snapshot has it.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("form[action='/reports/leaderboard'] button")), chromedp.WaitVisible(chromedp.Search(`//button[normalize-space()="Hide my name"]`))); err != nil {
		t.Fatal(err)
	}
	if s := text(`document.querySelector("section[aria-labelledby=name]").textContent`); !strings.Contains(s, "Others see you as Jane Doe") {
		t.Errorf("after showing the name: %s", s)
	}
	snapshotBoards(t, x, 3)
	if err := chromedp.Do(ctx, chromedp.Navigate(x.ts.URL+"/reports/leaderboard?event=summit-2026"), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
		t.Fatal(err)
	}
	if rows := text(`Array.from(document.querySelectorAll("section[aria-labelledby=top] tbody td:nth-child(2)")).map(c => c.textContent).join("|")`); rows != "Affiliate 1|Jane Doe (you)" {
		t.Errorf("after the next snapshot: %q", rows)
	}

	owner := browsertest.Browser(t)
	browserSignIn(t, owner, x, "/admin/leaderboard?event=summit-2026", "accounts@example.com", "section[aria-labelledby=standings]")
	ctx = owner
	if rows := text(`Array.from(document.querySelectorAll("tbody tr")).map(r => Array.from(r.querySelectorAll("td")).map(c => c.textContent).join(",")).join("|")`); rows != "1,bob,Bob Stone,1,$194.00|2,jane,Jane Doe,1,$97.00" {
		t.Errorf("owner rows %q: %s", rows, text(`document.querySelector("main").textContent`))
	}
	lookAt(t, owner, "admin-leaderboard")
}

// How far behind the ledger a leaderboard is, on DynamoDB Local's own
// stream: from an order's 200 to its row (the stream consumer), then the
// snapshot job; the schedule adds up to a minute between the two. Figures
// are logged (-v); nothing is timed as a condition.
func TestLeaderboardLagBehindTheLedger(t *testing.T) {
	x := startOpts(t, dynamotest.DynamoDBLocal, nil, func(o *devserver.Options) {
		o.Notify = true
		o.Table = dynamotest.NewStreamTable(t, dynamotest.Client(t))
	})
	for i, aff := range []string{"jane", "bob", "jane"} {
		t0 := time.Now()
		x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"lag-%d","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"lag%d@buyer.example"},"affiliate":%q,"items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700}]}`, i, x.at(), i, aff))
		answered := time.Now()
		snapshotBoards(t, x, int64(i+1))
		t.Logf("order %d: answered in %s; counted on its row %s later (stream consumer); snapshot drawn by %s",
			i+1, answered.Sub(t0).Round(time.Millisecond), x.counted.Sub(answered).Round(time.Millisecond), time.Since(x.counted).Round(time.Millisecond))
	}
	var js struct {
		Top []struct {
			NetRevenueCents int64 `json:"net_revenue_cents"`
		}
	}
	x.json("/reports/leaderboard?event=summit-2026", "dev-jane-key", &js)
	if len(js.Top) != 2 || js.Top[0].NetRevenueCents != 19400 {
		t.Errorf("%+v", js)
	}
}

// The contest pages in Chromium: the affiliate's place while live, the
// owner's standings, and once final the Award prizes button, which writes
// each cash prize once; screenshots at both widths, no axe-core violation.
func TestContestPagesInABrowser(t *testing.T) {
	x := startOpts(t, dynamotest.DynamoDBLocal, nil, func(o *devserver.Options) {
		o.DynamoDBEndpoint, o.Table, o.Notify = "", "", true
	})
	set := func(t time.Time) { x.mu.Lock(); x.now = t; x.mu.Unlock() }
	set(time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)) // the demo's Launch Week, 1 to 7 December
	order := func(id, aff string, q int) {
		x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":%q,"type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"%s@buyer.example"},"affiliate":%q,"items":[{"sku":"SUM26-REC","quantity":%d,"unit_price_cents":9700}]}`, id, x.at(), id, aff, q))
	}
	order("c-1", "jane", 2)
	order("c-2", "bob", 1)
	ctx0 := context.Background()
	waitFor(t, 30*time.Second, func() bool {
		h, err := x.srv.Deps.Store.Head(ctx0, standings.ContestBoard("summit-2026", "launch-week"))
		return err == nil && h.Changes >= 2
	})
	if err := boards.Snapshot(x.srv.Deps)(ctx0, notify.DigestInput{}); err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.Browser(t)
	text := func(ctx context.Context, js string) string {
		t.Helper()
		return must[string](t)(chromedp.Run(ctx, chromedp.Evaluate[string](js)))
	}
	browserSignIn(t, ctx, x, "/reports/contests", "jane@example.com", "section.card")
	main := strings.Join(strings.Fields(text(ctx, `document.querySelector("main").textContent`)), " ")
	for _, want := range []string{"Launch Week", "Live", "Your place1st", "$194.00", "1st place: $500.00 and a signed copy of the summit book"} {
		if !strings.Contains(main, want) {
			t.Errorf("contests page lacks %q: %s", want, main)
		}
	}
	lookAt(t, ctx, "contests")

	// Past the hold (14 days in the demo): final, and the owner awards.
	set(time.Date(2026, 12, 20, 15, 0, 0, 0, time.UTC))
	if err := boards.Snapshot(x.srv.Deps)(ctx0, notify.DigestInput{}); err != nil {
		t.Fatal(err)
	}
	owner := browsertest.Browser(t)
	browserSignIn(t, owner, x, "/admin/contests/summit-2026/launch-week", "accounts@example.com", "section[aria-labelledby=standings]")
	if rows := text(owner, `Array.from(document.querySelectorAll("section[aria-labelledby=standings] tbody tr")).map(r => Array.from(r.querySelectorAll("td")).map(c => c.textContent).join(",")).join("|")`); rows != "1,jane,Jane Doe,$194.00,Yes|2,bob,Bob Stone,$97.00,No" {
		t.Errorf("owner rows %q", rows)
	}
	lookAt(t, owner, "admin-contest")
	for range 2 { // a second click writes nothing more
		if err := chromedp.Do(owner, chromedp.Navigate(x.ts.URL+"/admin/contests/summit-2026/launch-week"), chromedp.WaitVisible(chromedp.CSS("section[aria-labelledby=prizes] form button")),
			chromedp.Click(chromedp.CSS("section[aria-labelledby=prizes] form button")), chromedp.WaitVisible(chromedp.CSS("p[role=status]"))); err != nil {
			t.Fatal(err)
		}
	}
	if s := text(owner, `document.querySelector("p[role=status]").textContent`); !strings.Contains(s, "Prizes awarded: jane (1)") {
		t.Errorf("after the award: %s", s)
	}
	var ledger struct {
		Entries []struct {
			Type        string
			Reason      string
			AmountCents int64 `json:"amount_cents"`
		}
	}
	x.json("/reports/ledger?month=2026-12", "dev-jane-key", &ledger)
	n := 0
	for _, e := range ledger.Entries {
		if e.Type == "adjustment" {
			n++
			if e.AmountCents != 50000 || e.Reason != "1st place, Launch Week contest" {
				t.Errorf("adjustment %+v", e)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d prize adjustments for jane, want 1", n)
	}
}
