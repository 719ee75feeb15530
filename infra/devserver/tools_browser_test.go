package devserver_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tallyhq/tally/infra/browsertest"
	"github.com/tallyhq/tally/infra/demo"
)

// The Resources page and Link Stats with tags, in Chromium: every text of
// the JSON on the page with a copy button, the image shown (served by a
// site of its own, as a business's CDN would), the per-tag table against
// the JSON; screenshots at desktop and phone widths, no sideways scrolling,
// and no axe-core violation.
func TestToolsPagesInABrowser(t *testing.T) {
	banner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		img := image.NewRGBA(image.Rect(0, 0, 600, 315))
		for y := 0; y < 315; y++ {
			for x := 0; x < 600; x++ {
				img.Set(x, y, color.RGBA{R: 31, G: uint8(95 + y/5), B: 191, A: 255})
			}
		}
		var b bytes.Buffer
		png.Encode(&b, img)
		w.Header().Set("Content-Type", "image/png")
		w.Write(b.Bytes())
	}))
	defer banner.Close()
	x := startWith(t, []byte(strings.Replace(string(demo.YAML), "https://example.com/summit/banner.png", banner.URL+"/banner.png", 1)))
	for _, q := range []string{"sub=podcast", "sub=podcast", "sub=instagram", "sub=list", "", ""} {
		x.click("/go/summit-2026/jane?" + q)
	}
	ig := x.click("/go/summit-2026/jane?sub=instagram")
	x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"o-ig","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"sam@example.org"},"click":%q,"items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700}]}`, x.at(), ig))

	ctx := browsertest.Browser(t)
	text := func(js string) string {
		t.Helper()
		return must[string](t)(chromedp.Run(ctx, chromedp.Evaluate[string](js)))
	}
	browserSignIn(t, ctx, x, "/reports/resources", "jane@example.com", ".resources")
	check := func(name string) { t.Helper(); lookAt(t, ctx, name) }

	// Resources: each text of the JSON is on the page with its copy button.
	var res struct{ Resources []map[string]string }
	x.json("/reports/resources", "dev-jane-key", &res)
	copies := text(`Array.from(document.querySelectorAll("button[data-copy]")).filter(b => !b.hidden).map(b => b.getAttribute("data-copy")).join("\u0000")`)
	var want []string
	for _, r := range res.Resources {
		for _, k := range []string{"subject", "body", "image_url"} {
			if r[k] != "" {
				want = append(want, r[k])
			}
		}
	}
	if copies != strings.Join(want, "\x00") {
		t.Errorf("copy buttons copy %q, JSON has %q", copies, strings.Join(want, "\x00"))
	}
	shown := text(`Array.from(document.querySelectorAll(".resource .text")).map(e => e.textContent).join("\u0000")`)
	if w := strings.Join(want[:len(want)-2], "\x00") + "\x00" + want[len(want)-1]; shown != w { // all but the image's URL
		t.Errorf("texts shown %q, want %q", shown, w)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.body.scrollHeight)`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector(".resource img"); return i.complete && i.naturalWidth > 0; })()`)); err != nil {
		t.Fatal(err)
	}
	if wd := text(`String(document.querySelector(".resource img").naturalWidth)`); wd != "600" {
		t.Errorf("the banner is not shown (natural width %s)", wd)
	}
	if c := text(`document.querySelector("nav a[aria-current=page]").textContent`); c != "Resources" {
		t.Errorf("menu marks %q", c)
	}
	check("resources")

	// The ledger says which tag an entry came through.
	if err := chromedp.Do(ctx, chromedp.Navigate(x.ts.URL+"/reports/ledger?month=2026-11"), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
		t.Fatal(err)
	}
	if body := text(`document.querySelector("main").textContent`); !strings.Contains(body, "Recordings bought after a visit to your Health Summit 2026 link tagged “instagram”: 50%") {
		t.Errorf("ledger page does not say the tag: %s", body)
	}

	// Link Stats: the table per tag matches the JSON, and adds up.
	var ls struct {
		Subs []map[string]any
	}
	x.json("/reports/link-stats?month=2026-11&by=sub", "dev-jane-key", &ls)
	if err := chromedp.Do(ctx, chromedp.Navigate(x.ts.URL+"/reports/link-stats?month=2026-11&by=sub"), chromedp.WaitVisible(chromedp.ID("by-tag"))); err != nil {
		t.Fatal(err)
	}
	cells := text(`Array.from(document.querySelectorAll("section[aria-labelledby=by-tag] tbody tr")).map(r => Array.from(r.querySelectorAll("td")).slice(1, 5).map(c => c.textContent).join(",")).join("|")`)
	var rows []string
	for _, s := range ls.Subs {
		tag := "No tag"
		if s["sub"] != nil {
			tag = s["sub"].(string)
		}
		rows = append(rows, fmt.Sprintf("%s,%v,%v,%v", tag, s["hits"], s["opt_ins"], s["orders"]))
	}
	if cells != strings.Join(rows, "|") || !strings.Contains(cells, "instagram,2,0,1") {
		t.Errorf("tag rows %q, JSON %q", cells, strings.Join(rows, "|"))
	}
	if href := text(`Array.from(document.querySelectorAll("a[download]")).map(a => a.getAttribute("href")).join(" ")`); !strings.Contains(href, "by=sub") {
		t.Errorf("no CSV by tag: %s", href)
	}
	check("link-stats-tags")

	// The Link Generator builds a tagged link in the page, without script.
	if err := chromedp.Do(ctx, chromedp.Navigate(x.ts.URL+"/reports/links"), chromedp.WaitVisible(chromedp.CSS("main h1")),
		chromedp.Click(chromedp.CSS("#ev-summit-2026 summary")), chromedp.SendKeys(chromedp.ID("sub-summit-2026"), "Podcast"),
		chromedp.SendKeys(chromedp.ID("to-summit-2026"), "/summit/day-2"), chromedp.Click(chromedp.CSS("#ev-summit-2026 form button")),
		chromedp.WaitVisible(chromedp.CSS(".built"))); err != nil {
		t.Fatal(err)
	}
	if built := text(`document.querySelector(".built").textContent`); !strings.Contains(built, "?sub=podcast&to=%2Fsummit%2Fday-2") || !strings.Contains(built, "Leads today to https://example.com/summit/day-2") {
		t.Errorf("built: %s", built)
	}
	check("links-built")
}

// lookAt looks at the page as a user would: screenshots at desktop and
// phone widths (.cache/screenshots/<name>-<width>.png), no sideways
// scrolling on the phone, and no axe-core violation.
func lookAt(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	shots := filepath.Join(repoRoot(t), ".cache", "screenshots")
	for _, w := range []int64{1280, 390} {
		browsertest.Screenshot(t, ctx, w, filepath.Join(shots, fmt.Sprintf("%s-%d.png", name, w)))
		if w == 390 {
			if sw := must[string](t)(chromedp.Run(ctx, chromedp.Evaluate[string](`String(document.documentElement.scrollWidth)`))); sw != "390" {
				t.Errorf("%s at 390px scrolls sideways (%spx wide)", name, sw)
			}
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	if bad := browsertest.Violations(browsertest.Axe(t, ctx)); len(bad) > 0 {
		t.Errorf("%s: axe-core: %s", name, strings.Join(bad, "; "))
	}
}
