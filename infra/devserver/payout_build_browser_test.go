package devserver_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tallyhq/tally/infra/browsertest"
	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/queue"
	"github.com/tallyhq/tally/shared/app/building"
)

// A payout made from the payouts page for a program too large for its
// request's budget, in Chromium: the button leads to the payout's page,
// which says how many affiliates are done and updates itself; the payouts
// list shows it being made; once the worker finishes it, the page turns
// into the payout by itself. axe-core and screenshots at each step.
func TestBuildingPayoutPagesInABrowser(t *testing.T) {
	ctx0 := context.Background()
	x := startOpts(t, dynamotest.DynamoDBLocal, nil, func(o *devserver.Options) { o.PayoutBudget = time.Nanosecond })
	dynamotest.ImportCrowd(t, x.srv.Store, 0, 150) // 153 affiliates: two pages
	x.srv.Deps.ProgramChanged()
	// Those with a ledger: every crowd affiliate (crowd-0120 owed, the rest
	// a dollar each, too little to pay).
	smallLedgers(t, x, 0, 150, func(i int) bool { return i != 120 })
	x.ok(201, "POST", "/admin/adjustments", owner, "", `{"id":"c120","affiliate":"crowd-0120","amount_cents":9000,"reason":"launch"}`, nil)
	x.tick()
	const payoutQueue = "local://payouts" // the dev server's own, in memory
	w := &building.Worker{Store: x.srv.Store, SQS: x.srv.Deps.SQS, QueueURL: payoutQueue, Rules: x.srv.Deps.Rules.Get, Log: x.srv.Deps.Log, Now: x.clock}

	ctx := browsertest.Browser(t)
	text := func(js string) string {
		t.Helper()
		return must[string](t)(chromedp.Run(ctx, chromedp.Evaluate[string](js)))
	}
	browserSignIn(t, ctx, x, "/admin/payouts?confirm=create", "accounts@example.com", "#confirm form button")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#confirm form button`)), chromedp.WaitVisible(chromedp.ID("payout-status"))); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimPrefix(text(`location.pathname`), "/admin/payouts/")
	if h := text(`document.querySelector("main h1").textContent`); h != "Payout being made" || !strings.HasPrefix(id, "po_") {
		t.Fatalf("the button led to %s, %q", id, h)
	}
	if s := text(`document.getElementById("payout-status").textContent`); !strings.Contains(s, "100 affiliates done") {
		t.Errorf("the payout's page says %q", s)
	}
	if text(`String(!!document.querySelector("[data-refresh]"))`) != "true" {
		t.Error("the payout's page does not update itself")
	}
	lookAt(t, ctx, "payout-building")

	if err := chromedp.Do(ctx, chromedp.Navigate(x.ts.URL+"/admin/payouts"), chromedp.WaitVisible(chromedp.ID("made"))); err != nil {
		t.Fatal(err)
	}
	if s := text(`document.querySelector("#made ~ .table-wrap tbody tr td[data-label=Status], section[aria-labelledby=made] td[data-label=Status]").textContent`); s != "being made: 100 affiliates done" {
		t.Errorf("the payouts list says %q", s)
	}
	lookAt(t, ctx, "payouts-building")

	// The worker finishes it; the payout's page, left open, turns into the payout.
	if err := chromedp.Do(ctx, chromedp.Navigate(x.ts.URL+"/admin/payouts/"+id), chromedp.WaitVisible(chromedp.ID("payout-status"))); err != nil {
		t.Fatal(err)
	}
	ms, err := queue.Receive(ctx0, x.srv.Deps.SQS, payoutQueue, 1, time.Hour)
	if err != nil || len(ms) != 1 {
		t.Fatalf("queued: %v %v", ms, err)
	}
	var m building.Message
	if err := json.Unmarshal([]byte(ms[0].Body), &m); err != nil || m.ID != id {
		t.Fatalf("message %q: %v", ms[0].Body, err)
	}
	if err := w.Run(ctx0, m); err != nil {
		t.Fatal(err)
	}
	var h string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if h, err = chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("main h1") || {}).textContent || ""`)); err == nil && h == "Payout of $90.00" {
			break
		}
	}
	if h != "Payout of $90.00" {
		t.Fatalf("the payout's page never showed the payout made (it says %q)", h)
	}
	lookAt(t, ctx, "payout-built")
}
