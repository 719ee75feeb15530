package devserver_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tallyhq/tally/infra/browsertest"
	"github.com/tallyhq/tally/infra/demo"
)

// jane's coupon codes in Chromium: on the Link Generator with a copy button
// each, as the links report lists them; Link Tracking Stats by coupon code
// against the JSON; the ledger's explanation names the code; screenshots at
// desktop and phone widths, no sideways scrolling, no axe-core violation.
func TestCouponCodesInABrowser(t *testing.T) {
	x := startWith(t, []byte(strings.Replace(string(demo.YAML), "    api_key: dev-jane-key\n",
		"    api_key: dev-jane-key\n    coupons: [JANE20, SLEEPWELL]\n", 1)))
	for i, code := range []string{"jane20", "JANE20", "SleepWell"} {
		x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"o-code-%d","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"buyer%d@example.org"},"coupon":%q,"items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700}]}`, i, x.at(), i, code))
	}
	ctx := browsertest.Browser(t)
	text := func(js string) string {
		t.Helper()
		return must[string](t)(chromedp.Run(ctx, chromedp.Evaluate[string](js)))
	}
	browserSignIn(t, ctx, x, "/reports/links", "jane@example.com", ".links")

	var links struct{ Coupons []string }
	x.json("/reports/links", "dev-jane-key", &links)
	if strings.Join(links.Coupons, ",") != "JANE20,SLEEPWELL" {
		t.Fatalf("links report's coupons: %q", links.Coupons)
	}
	shown := text(`Array.from(document.querySelectorAll(".coupons code")).map(c => c.textContent).join(",")`)
	copies := text(`Array.from(document.querySelectorAll(".coupons button[data-copy]")).filter(b => !b.hidden).map(b => b.getAttribute("data-copy")).join(",")`)
	if shown != "JANE20,SLEEPWELL" || copies != shown {
		t.Errorf("codes shown %q, copy buttons %q, want the report's %q", shown, copies, links.Coupons)
	}
	lookAt(t, ctx, "links-coupons")

	var ls struct {
		Coupons []map[string]any
	}
	x.json("/reports/link-stats?month=2026-11&by=coupon", "dev-jane-key", &ls)
	var want []string
	for _, c := range ls.Coupons {
		want = append(want, fmt.Sprintf("%v,%v", c["code"], c["orders"]))
	}
	if strings.Join(want, "|") != "JANE20,2|SLEEPWELL,1" {
		t.Errorf("link stats by code: %q", want)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(x.ts.URL+"/reports/link-stats?month=2026-11&by=coupon"), chromedp.WaitVisible(chromedp.ID("by-coupon"))); err != nil {
		t.Fatal(err)
	}
	rows := text(`Array.from(document.querySelectorAll("section[aria-labelledby=by-coupon] tbody tr")).map(r => Array.from(r.querySelectorAll("td")).slice(0, 2).map(c => c.textContent).join(",")).join("|")`)
	if rows != strings.Join(want, "|") {
		t.Errorf("code rows %q, JSON %q", rows, want)
	}
	lookAt(t, ctx, "link-stats-coupons")

	if err := chromedp.Do(ctx, chromedp.Navigate(x.ts.URL+"/reports/ledger?month=2026-11"), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
		t.Fatal(err)
	}
	if body := text(`document.querySelector("main").textContent`); !strings.Contains(body, "Recordings sold with your coupon code SLEEPWELL: 50%") {
		t.Errorf("the ledger page does not name the code: %s", body)
	}
}
