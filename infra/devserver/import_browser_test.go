package devserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
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

// A large import in Chromium, among 10,003 affiliates: the upload form
// on /admin/affiliates leads to the job's page, which updates itself as
// the worker writes (0, then 500 of 1,200 lines) and shows what the job
// did once done, with the line a coupon code taken meanwhile made fail;
// then the list of all 10,003, 100 a page: the first, the next, the last
// (3 rows) reached through the pager, every page's codes together, and
// sorted by name both ways and by hits, whose headings stay on screen at
// a phone's width. 8,800 of the affiliates are written before the upload
// by the worker's own write (PlanCSV and WriteImportRows), as an earlier
// import would have, one event each (2 requests a row, where the job's
// lines with 2 events and a coupon code take 3): the job's page shows
// nothing for 10,000 lines that it does not for 1,200. axe-core and
// screenshots at desktop and phone widths at each step.
//
// Measured (docs/benchmarks.md, "The import page at 10,000 affiliates"):
// the 8,800 rows take about a minute, and the first list after them
// about as long (on a table without a stream the dev server's summaries
// catch-up is rebuild-summaries over every affiliate).
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
	start := time.Now()
	took := func(what string) { t.Logf("%s: %.1f s", what, time.Since(start).Seconds()); start = time.Now() }

	ctx := browsertest.BrowserFor(t, 8*time.Minute)
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
	took("signed in")

	// 8,800 affiliates already there (after the sign-in, whose page would
	// otherwise catch the summaries up over all of them a first time).
	preWrite(t, x, 8800)
	took("8,800 affiliates written")
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

	took("import through the page")

	// Visits a user would see on the list sorted by hits: a pre-written
	// affiliate and two imported ones, none of them on the first page.
	for code, n := range map[string]int{"pre-08800": 3, "imp-00700": 2, "imp-01100": 1} {
		for range n {
			x.click("/go/summit-2026/" + code)
		}
	}

	// The 10,003 affiliates on the list: 100 a page, the next page holds
	// the next 100, the last 3, and a column heading sorts every
	// affiliate by it.
	codes := func() []string {
		t.Helper()
		got := text(`Array.from(document.querySelectorAll("table.wide tbody tr td:first-child a")).map(a => a.getAttribute("href").split("?")[0].split("/").pop()).join(" ")`)
		return strings.Fields(got)
	}
	run(chromedp.Navigate(x.ts.URL+"/admin/affiliates"), chromedp.WaitVisible(chromedp.CSS("table.wide")))
	took("the first list (the summaries caught up)")
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

	// Every page by its cursor (as JSON): 101 pages, each code once, in
	// order. The browser goes to the one before the last by its cursor,
	// and on to the last through the pager.
	var all []string
	var cursors []string
	for cursor := ""; ; {
		var page struct {
			Affiliates []struct{ Affiliate string }
			Next       *string
		}
		x.ok(200, "GET", "/admin/affiliates?page="+url.QueryEscape(cursor), owner, "", "", &page)
		for _, a := range page.Affiliates {
			all = append(all, a.Affiliate)
		}
		if page.Next == nil {
			break
		}
		cursor = *page.Next
		cursors = append(cursors, cursor)
	}
	took("every page as JSON")
	if len(all) != 10003 || !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != len(all) {
		t.Fatalf("the pages hold %d affiliates (sorted %v, each once %v)", len(all), slices.IsSorted(all), len(slices.Compact(slices.Clone(all))) == len(all))
	}
	if len(cursors) != 100 || !slices.Equal(all[:200], append(slices.Clone(first), second...)) {
		t.Errorf("%d pages after the first; the page's first two pages are the JSON's: %v", len(cursors), slices.Equal(all[:200], append(slices.Clone(first), second...)))
	}
	run(chromedp.Navigate(x.ts.URL+"/admin/affiliates?page="+url.QueryEscape(cursors[98])), chromedp.WaitVisible(chromedp.CSS("table.wide")))
	if got := codes(); !slices.Equal(got, all[9900:10000]) {
		t.Errorf("page 100 by its cursor: %d rows from %v", len(got), got[:min(1, len(got))])
	}
	run(chromedp.Click(chromedp.CSS(`nav.pager a[rel="next"]`)), chromedp.WaitVisible(chromedp.CSS(`nav.pager a:not([rel])`)))
	if last := codes(); !slices.Equal(last, []string{"pre-08799", "pre-08800", "zed"}) || !slices.Equal(last, all[10000:]) {
		t.Errorf("the last page: %v", last)
	}
	if n := text(`String(document.querySelectorAll("nav.pager a[rel=next]").length)`); n != "0" {
		t.Errorf("the last page has %s next links", n)
	}
	lookAt(t, ctx, "affiliates-last-page")

	run(chromedp.Click(chromedp.CSS(`th a[href*="sort=name"]`)), chromedp.WaitVisible(chromedp.CSS(`th[aria-sort="ascending"]`)))
	if byName := codes(); len(byName) != 100 || byName[0] != "imp-00001" || byName[1] != "imp-00010" {
		t.Errorf("sorted by name: %v...", byName[:min(3, len(byName))])
	}
	run(chromedp.Click(chromedp.CSS(`th[aria-sort] a`)), chromedp.WaitVisible(chromedp.CSS(`th[aria-sort="descending"]`)))
	if byName := codes(); len(byName) != 100 || byName[0] != "zed" || byName[1] != "kim" {
		t.Errorf("sorted by name, descending: %v...", byName[:min(3, len(byName))])
	}
	lookAt(t, ctx, "affiliates-sorted")

	// The most visited first, whichever page it was on by code (a number
	// heading sorts up first, then down).
	run(chromedp.Click(chromedp.CSS(`th a[href*="sort=hits"]`)), chromedp.WaitVisible(chromedp.CSS(`th[aria-sort="ascending"] a[href*="sort=-hits"]`)))
	run(chromedp.Click(chromedp.CSS(`th a[href*="sort=-hits"]`)), chromedp.WaitVisible(chromedp.CSS(`th[aria-sort="descending"] a[href*="sort=hits"]`)))
	byHits := codes()
	hits := strings.Fields(text(`Array.from(document.querySelectorAll("table.wide tbody tr td[data-label=Hits]")).slice(0, 4).map(td => td.textContent).join(" ")`))
	if len(byHits) != 100 || !slices.Equal(byHits[:3], []string{"pre-08800", "imp-00700", "imp-01100"}) || !slices.Equal(hits, []string{"3", "2", "1", "0"}) {
		t.Errorf("sorted by hits, descending: %v... with %v hits", byHits[:min(4, len(byHits))], hits)
	}
	lookAt(t, ctx, "affiliates-by-hits")
	headingsOnPhone(t, ctx)
	took("the list's pages")
}

// preWrite writes n affiliates (pre-00001 to pre-0n, each in the summit)
// as an import's worker does: the file planned against the table
// (PlanCSV), its rows written 8 at a time (WriteImportRows), then a new
// program version.
func preWrite(t *testing.T, x *tally, n int) {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("code,name,email,plan,events\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "pre-%05d,Associate %d,pre%d@example.org,standard,summit-2026\n", i, i, i)
	}
	im, err := x.srv.Store.PlanCSV(ctx, []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(im.New) != n {
		t.Fatalf("%d new rows planned of %d", len(im.New), n)
	}
	for _, r := range x.srv.Store.WriteImportRows(ctx, im.New, importing.Parallel, x.clock()) {
		if r.Err != nil || !r.New {
			t.Fatalf("line %d: %+v", r.Line, r)
		}
	}
	if err := x.srv.Store.BumpProgramVersion(ctx); err != nil {
		t.Fatal(err)
	}
}

// headingsOnPhone checks that the list's sort headings stay on screen at
// a phone's width, where the table is stacked: they are the only way to
// sort it, and say how it is sorted.
func headingsOnPhone(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 800)); err != nil {
		t.Fatal(err)
	}
	shown := must[string](t)(chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("table.wide th a")).filter(a => a.getBoundingClientRect().width > 0).map(a => a.textContent).join(",")`)))
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	if shown != "Affiliate,Hits ▼,Orders,Revenue,Earned,Net,Last visit" {
		t.Errorf("at 390px the sort headings on screen are %q", shown)
	}
}
