package devserver_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tallyhq/tally/infra/browsertest"
	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/domain/program"
)

// The owner's checkout events in Chromium: reached from the overview's
// count, each event with what to do about it, in the JSON's order; the
// button applies one again after the fix, and the page says so; axe-core
// and screenshots at desktop and phone widths.
func TestCheckoutEventsPageInABrowser(t *testing.T) {
	x := start(t)
	click := x.click("/go/summit-2026/jane")
	x.shopify("orders/paid", shopifyOrder(1001, "USD", "97.001", click, x.clock()))
	x.shopify("orders/paid", shopifyOrder(1002, "EUR", "97.00", click, x.clock()))
	var list checkoutEvents
	x.json("/admin/checkout-events", owner, &list)

	ctx := browsertest.Browser(t)
	text := func(js string) string {
		t.Helper()
		return must[string](t)(chromedp.Run(ctx, chromedp.Evaluate[string](js)))
	}
	browserSignIn(t, ctx, x, "/admin", "accounts@example.com", "p.checkouts")
	if got := text(`document.querySelector("p.checkouts").textContent`); !strings.Contains(got, "2 checkout events not applied") {
		t.Errorf("overview says %q", got)
	}
	lookAt(t, ctx, "overview-checkout-events")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`p.checkouts a[href="/admin/checkout-events"]`)), chromedp.WaitVisible(chromedp.CSS("ol.unapplied"))); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range list.Events {
		ids = append(ids, e.ID)
	}
	if got := text(`Array.from(document.querySelectorAll("ol.unapplied code.event-id")).map(c => c.textContent).join(" ")`); got != strings.Join(ids, " ") {
		t.Errorf("page lists %q, JSON %q", got, strings.Join(ids, " "))
	}
	body := text(`document.querySelector("main").textContent`)
	for _, want := range []string{"Shopify order 1002", "Another currency", "change currency in the program file", "An amount Tally cannot read exactly", "line_items[0].price"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if c := text(`document.querySelector("nav a[aria-current=page]").textContent`); c != "Checkout events" {
		t.Errorf("menu marks %q", c)
	}
	lookAt(t, ctx, "checkout-events")

	// The owner changes the program's currency, then applies the EUR order again.
	eur, err := program.Parse(bytes.Replace(demo.YAML, []byte("currency: USD"), []byte("currency: EUR"), 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.srv.Store.SaveProgram(context.Background(), eur, x.clock()); err != nil {
		t.Fatal(err)
	}
	x.srv.Deps.ProgramChanged()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/admin/checkout-events/shopify:order:1002/retry"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash[role=status]`))); err != nil {
		t.Fatal(err)
	}
	if got := text(`document.querySelector("p.flash[role=status]").textContent`); !strings.Contains(got, "Applied shopify:order:1002") {
		t.Errorf("after the button: %q", got)
	}
	if n := text(`String(document.querySelectorAll("ol.unapplied li").length)`); n != "1" {
		t.Errorf("%s events left on the page, want 1", n)
	}
	if n, cents := x.entriesOf("shopify:1002"); n != 1 || cents != 4850 {
		t.Errorf("jane has %d entries of %d for the order", n, cents)
	}
	lookAt(t, ctx, "checkout-events-applied")
}
