package devserver_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tallyhq/tally/infra/browsertest"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/domain/money"
)

// The Payouts page at more than 100 affiliates, in Chromium: the balances
// come 100 affiliates a page, each page's rows the JSON page's, and the
// pager leads to the next page and back; what the page says is payable
// counts that page, and a payout still pays every page. axe-core and
// screenshots at desktop and phone widths on both pages.
func TestPayoutsPagePagesTheBalancesInABrowser(t *testing.T) {
	x := dashboard(t)
	dynamotest.ImportCrowd(t, x.srv.Store, 0, 150) // bob, crowd-0000..0149, jane, kim: 153
	x.srv.Deps.ProgramChanged()
	x.ok(201, "POST", "/admin/adjustments", owner, "", `{"id":"late-fee","affiliate":"crowd-0140","amount_cents":6000,"reason":"Speaker fee"}`, nil)

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
	type balancesPage struct {
		Balances []struct {
			Affiliate      string `json:"affiliate"`
			HeldCents      int64  `json:"held_cents"`
			AvailableCents int64  `json:"available_cents"`
			InPayoutCents  int64  `json:"in_payout_cents"`
			PaidCents      int64  `json:"paid_cents"`
		}
		Next *string
	}
	var pages []balancesPage
	for cursor := ""; ; {
		var p balancesPage
		x.json("/admin/balances?page="+url.QueryEscape(cursor), owner, &p)
		pages = append(pages, p)
		if p.Next == nil {
			break
		}
		cursor = *p.Next
	}
	if len(pages) != 2 || len(pages[0].Balances) != 100 || len(pages[1].Balances) != 53 {
		t.Fatalf("%d pages of balances: %d, %d", len(pages), len(pages[0].Balances), len(pages[len(pages)-1].Balances))
	}
	usd := func(c int64) string { return money.Format(c, "USD") }
	var showsAll func(page balancesPage, what string)
	shown := func(i int) {
		t.Helper()
		showsAll(pages[i], fmt.Sprintf("page %d of balances", i+1))
	}
	showsAll = func(page balancesPage, what string) {
		t.Helper()
		var want []string
		for _, b := range page.Balances {
			want = append(want, strings.Join([]string{b.Affiliate, usd(b.HeldCents), usd(b.AvailableCents), usd(b.InPayoutCents), usd(b.PaidCents)}, ","))
		}
		got := text(`Array.from(document.querySelectorAll("section[aria-labelledby=balances] tbody tr")).map(r => [decodeURIComponent(r.querySelector("a").getAttribute("href").split("/").pop())].concat(Array.from(r.querySelectorAll("td.num")).map(c => c.textContent)).join(",")).join("|")`)
		if got != strings.Join(want, "|") {
			t.Errorf("%s shows %.200q, JSON %.200q", what, got, strings.Join(want, "|"))
		}
	}

	browserSignIn(t, ctx, x, "/admin/payouts", "accounts@example.com", "section[aria-labelledby=balances]")
	shown(0)
	if s := text(`document.querySelector("section[aria-labelledby=next]").textContent`); !strings.Contains(s, "On this page of affiliates, nobody can be paid yet") {
		t.Errorf("the first page's next payout says %q", s)
	}
	if n := text(`String(document.querySelectorAll("nav.pager a").length)`); n != "1" {
		t.Errorf("the first page's pager has %s links", n)
	}
	lookAt(t, ctx, "owner-payouts-page-1")

	run(chromedp.Click(chromedp.CSS(`nav.pager a[rel="next"]`)), chromedp.WaitVisible(chromedp.CSS(`nav.pager a:not([rel])`)))
	if q := text(`new URLSearchParams(location.search).get("page")`); q != *pages[0].Next {
		t.Errorf("the pager led to page %q, want %q", q, *pages[0].Next)
	}
	shown(1)
	if s := text(`document.querySelector("section[aria-labelledby=next]").textContent`); !strings.Contains(s, "On this page of affiliates, 2 affiliates are owed $118.80 that can be paid now") {
		t.Errorf("the second page's next payout says %q", s)
	}
	if n := text(`String(document.querySelectorAll("nav.pager a[rel=next]").length)`); n != "0" {
		t.Error("the last page has a next page")
	}
	lookAt(t, ctx, "owner-payouts-page-2")

	run(chromedp.Click(chromedp.CSS(`section[aria-labelledby=next] a.primary`)), chromedp.WaitVisible(chromedp.ID("confirm")))
	if s := text(`document.getElementById("confirm").textContent`); !strings.Contains(s, "every affiliate, on every page, with at least $50.00 payable") || !strings.Contains(s, "On this page, $118.80 to 2 affiliates") {
		t.Errorf("the confirmation says %q", s)
	}
	lookAt(t, ctx, "owner-payouts-page-2-confirm")
	run(chromedp.Click(chromedp.CSS(`#confirm a.btn`)), chromedp.WaitVisible(chromedp.CSS(`nav.pager a:not([rel])`)))
	shown(1)
	run(chromedp.Click(chromedp.CSS(`nav.pager a:not([rel])`)), chromedp.WaitVisible(chromedp.CSS(`nav.pager a[rel="next"]`)))
	shown(0)

	// Only those who have earned something: one page, the whole program's
	// next payout (not a page's), and back to every affiliate.
	var earned balancesPage
	x.json("/admin/balances?earned=1", owner, &earned)
	if len(earned.Balances) == 0 || len(earned.Balances) >= 100 || earned.Next != nil {
		t.Fatalf("the affiliates who earned: %d, next %v", len(earned.Balances), earned.Next)
	}
	run(chromedp.Click(chromedp.CSS(`section[aria-labelledby=balances] a[href*="earned=1"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/payouts#balances"]`)))
	if q := text(`location.search`); q != "?earned=1" {
		t.Errorf("the link led to %q", q)
	}
	showsAll(earned, "the affiliates who earned")
	if s := text(`document.querySelector("section[aria-labelledby=next]").textContent`); !strings.Contains(s, "2 affiliates are owed $118.80 that can be paid now") || strings.Contains(s, "On this page") {
		t.Errorf("the next payout, of those who earned, says %q", s)
	}
	if n := text(`String(document.querySelectorAll("nav.pager a").length)`); n != "0" {
		t.Errorf("one page of those who earned has %s pager links", n)
	}
	if h := text(`document.querySelector("a[download]").getAttribute("href")`); h != "/admin/balances?format=csv&earned=1" {
		t.Errorf("the download of those who earned is %q", h)
	}
	lookAt(t, ctx, "owner-payouts-earned")
	run(chromedp.Click(chromedp.CSS(`a[href="/admin/payouts#balances"]`)), chromedp.WaitVisible(chromedp.CSS(`nav.pager a[rel="next"]`)))
	shown(0)
}
