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
