package devserver_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tallyhq/tally/infra/browsertest"
	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/sqslocal"
	"github.com/tallyhq/tally/shared/adapters/queue"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app/importing"
)

// A large import in Chromium: the upload form on /admin/affiliates leads
// to the job's page, which updates itself as the worker writes (0, then
// 500 of 1,200 lines) and shows what the job did once done, with the line
// a coupon code taken meanwhile made fail; axe-core and screenshots at
// desktop and phone widths at each step.
func TestImportPageInABrowser(t *testing.T) {
	ctx0 := context.Background()
	sq := sqslocal.New(t)
	importQueue := sq.NewQueue(t, "imports", 1800)
	x := startOpts(t, dynamotest.DynamoDBLocal, nil, func(o *devserver.Options) { o.SQS, o.ImportQueueURL = sq, importQueue })
	w := &importing.Worker{Store: x.srv.Store, SQS: sq, QueueURL: importQueue, Log: x.srv.Deps.Log, Now: x.clock,
		Interrupt: func(j store.ImportJob) bool { return j.DoneRows == 500 }, PartRows: 100}
	csvFile := filepath.Join(t.TempDir(), "affiliates.csv")
	if err := os.WriteFile(csvFile, []byte(affiliateRows(1200, 0)), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.Browser(t)
	text := func(js string) string {
		t.Helper()
		return must[string](t)(chromedp.Run(ctx, chromedp.Evaluate[string](js)))
	}
	run := func(as ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, as...); err != nil {
			t.Fatal(err)
		}
	}
	// waitFor waits for the page to say want, reloading itself as it does.
	waitFor := func(want string) {
		t.Helper()
		var said string
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById("import-status") || {}).textContent || ""`))
			if err == nil && strings.Contains(s, want) {
				return
			}
			said = s
		}
		t.Fatalf("the page never said %q (it says %q)", want, said)
	}
	browserSignIn(t, ctx, x, "/admin/affiliates?import=1", "accounts@example.com", "#file")
	run(chromedp.SetUploadFiles(chromedp.ID("file"), []string{csvFile}), chromedp.Click(chromedp.CSS(`#import form button`)),
		chromedp.WaitVisible(chromedp.ID("import-progress")))
	id := store.ImportID([]byte(affiliateRows(1200, 0)))
	if loc := text(`location.pathname`); loc != "/admin/affiliates/import/"+id {
		t.Fatalf("the upload led to %s", loc)
	}
	waitFor("0 of 1200 lines")
	if h := text(`document.querySelector("main h2").textContent`); h != "In progress" {
		t.Errorf("a started job's page says %q", h)
	}
	lookAt(t, ctx, "import-started")

	// The worker writes 500 lines and stops there: the page follows by itself.
	ms, err := queue.Receive(ctx0, sq, importQueue, 1, time.Hour)
	if err != nil || len(ms) != 1 {
		t.Fatalf("queued: %v %v", ms, err)
	}
	var m importing.Message
	if err := json.Unmarshal([]byte(ms[0].Body), &m); err != nil {
		t.Fatal(err)
	}
	if err := w.Run(ctx0, m); err != nil {
		t.Fatal(err)
	}
	waitFor("500 of 1200 lines")
	if v := text(`String(document.getElementById("import-progress").value)`); v != "500" {
		t.Errorf("the progress bar is at %s", v)
	}
	lookAt(t, ctx, "import-progress")

	// Meanwhile the owner gives line 702's coupon code to someone else;
	// the rest of the job then runs to its end.
	x.ok(201, "POST", "/admin/affiliates", owner, "", `{"code":"zed","name":"Zed Ode","email":"zed@example.org","plan":"standard","events":["summit-2026"],"coupons":["IMP00701"]}`, nil)
	w.Interrupt = nil
	if err := w.Run(ctx0, m); err != nil {
		t.Fatal(err)
	}
	waitFor("1200 of 1200 lines")
	run(chromedp.WaitVisible(chromedp.ID("failed-h")))
	if h := text(`document.querySelector("main h2").textContent`); h != "Done" {
		t.Errorf("a finished job's page says %q", h)
	}
	totals := text(`Array.from(document.querySelectorAll("dl.totals dd")).map(d => d.textContent).join(",")`)
	if totals != "1199,0,0,1" {
		t.Errorf("new, updated, unchanged, failed: %s", totals)
	}
	if got := text(`document.querySelector("table tbody tr").textContent`); !strings.Contains(got, "702") || !strings.Contains(got, "IMP00701") {
		t.Errorf("the failed line: %q", got)
	}
	lookAt(t, ctx, "import-done")

	// The 1,203 affiliates on the list: 100 a page, the next page holds
	// the next 100, and a column heading sorts every affiliate by it.
	codes := func() []string {
		t.Helper()
		got := text(`Array.from(document.querySelectorAll("table.wide tbody tr td:first-child a")).map(a => a.getAttribute("href").split("?")[0].split("/").pop()).join(" ")`)
		return strings.Fields(got)
	}
	run(chromedp.Navigate(x.ts.URL+"/admin/affiliates"), chromedp.WaitVisible(chromedp.CSS("table.wide")))
	first := codes()
	if len(first) != 100 || first[0] != "bob" || first[1] != "imp-00001" {
		t.Errorf("page 1 by code: %d rows, %v...", len(first), first[:min(4, len(first))])
	}
	if q := text(`(document.querySelector("p.flash[role=status]") || {}).textContent || ""`); !strings.HasPrefix(q, "On this page, 100 affiliates have an event link nobody has visited") {
		t.Errorf("the quiet banner of a page of many says %q", q)
	}
	lookAt(t, ctx, "affiliates-page-1")
	run(chromedp.Click(chromedp.CSS(`nav.pager a[rel="next"]`)), chromedp.WaitVisible(chromedp.CSS(`nav.pager a:not([rel])`)))
	second := codes()
	if len(second) != 100 || second[0] <= first[99] {
		t.Errorf("page 2: %d rows from %v, page 1 ended at %s", len(second), second[:min(1, len(second))], first[len(first)-1])
	}
	lookAt(t, ctx, "affiliates-page-2")
	run(chromedp.Click(chromedp.CSS(`th a[href*="sort=name"]`)), chromedp.WaitVisible(chromedp.CSS(`th[aria-sort="ascending"]`)))
	run(chromedp.Click(chromedp.CSS(`th[aria-sort] a`)), chromedp.WaitVisible(chromedp.CSS(`th[aria-sort="descending"]`)))
	if byName := codes(); len(byName) != 100 || byName[0] != "zed" || byName[1] != "kim" {
		t.Errorf("sorted by name, descending: %v...", byName[:min(3, len(byName))])
	}
	lookAt(t, ctx, "affiliates-sorted")
}
