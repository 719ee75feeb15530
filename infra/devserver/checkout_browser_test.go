package devserver_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/tallyhq/tally/infra/browsertest"
	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
)

const stripeSecret = "whsec_end_to_end_0123456789"

// stripeAPI answers the two reads a paid session and its refund need, as
// Stripe answers them.
func stripeAPI(t *testing.T) *httptest.Server {
	item := func(id, lookup string, qty, subtotal, discount, tax int64) map[string]any {
		return map[string]any{"id": id, "object": "item", "quantity": qty, "currency": "usd", "amount_subtotal": subtotal,
			"amount_discount": discount, "amount_tax": tax, "amount_total": subtotal - discount + tax,
			"price": map[string]any{"id": "price_" + id, "object": "price", "lookup_key": lookup, "currency": "usd",
				"product": map[string]any{"id": "prod_" + id, "object": "product", "metadata": map[string]any{}}}}
	}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/v1/checkout/sessions/cs_test_e2e/line_items":
			_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "has_more": false, "url": r.URL.Path, "data": []any{
				item("li_1", "SUM26-REC", 1, 9700, 0, 776), item("li_2", "RET26-TRN", 2, 9400, 940, 0)}})
		case r.URL.Path == "/v1/checkout/sessions" && r.URL.Query().Get("payment_intent") == "pi_e2e":
			_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "has_more": false, "url": r.URL.Path, "data": []any{
				map[string]any{"id": "cs_test_e2e", "object": "checkout.session", "mode": "payment", "created": 1, "metadata": map[string]any{}}}})
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"type":"invalid_request_error","message":"unknown"}}`)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// landing is the business's own site, on another origin than Tally's
// links, under a strict Content-Security-Policy that lets in only its own
// scripts and Tally's.
func landing(tallyURL string, cart *cartLog) http.Handler {
	page := func(title, more string) string {
		shop := ""
		if title == "Shop" {
			shop = `<script src="/shopify.js"></script>`
		}
		return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>` + title + `</title>
<script src="/watch.js"></script>` + shop + `
<script src="` + tallyURL + `/t.js" defer></script></head><body>
<h1>` + title + `</h1>
<a id="buy" href="https://buy.stripe.com/test_5kA?prefilled_email=sam%40example.org&amp;locale=en">Buy the recordings</a>
<form action="/optin" method="post"><input type="email" name="email"><input type="hidden" name="tally_click" id="hidden1"></form>
` + more + `</body></html>`
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/watch.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `window.violations = []; document.addEventListener("securitypolicyviolation", function (e) { window.violations.push(e.violatedDirective + " " + e.blockedURI); });`)
	})
	mux.HandleFunc("/summit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page("Health Summit 2026", `<a id="next" href="/speakers">Speakers</a>`))
	})
	mux.HandleFunc("/speakers", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page("Speakers", ""))
	})
	// A Shopify storefront: window.Shopify, and its cart's Ajax API.
	mux.HandleFunc("/shop", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page("Shop", ""))
	})
	mux.HandleFunc("/shopify.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `window.Shopify = {shop: "summit-store.myshopify.com"};`)
	})
	mux.HandleFunc("POST /cart/update.js", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		cart.mu.Lock()
		cart.posts = append(cart.posts, string(b))
		cart.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"token":"c1-abc","attributes":{}}`)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self' "+tallyURL+"; connect-src 'self'; form-action 'self'; base-uri 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		mux.ServeHTTP(w, r)
	})
}

// From a click to the affiliate's reports: the link, the snippet on the
// business's landing page (another origin), a Stripe Payment Link it
// decorated, the paid session and a partial refund through the Stripe
// webhook, then jane's ledger, link stats and products sold as SPEC
// computes them.
func TestCheckoutEndToEnd(t *testing.T) {
	api := stripeAPI(t)
	// The landing site's URL must be in the program before the dev server
	// starts, so its listener is made first.
	site := httptest.NewUnstartedServer(nil)
	siteURL := "http://localhost:" + strings.Split(site.Listener.Addr().String(), ":")[1]
	prog := bytes.Replace(demo.YAML, []byte("https://example.com/summit"), []byte(siteURL+"/summit"), 1)

	x := &tally{t: t, now: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC), mail: &mailbox{}}
	srv, err := devserver.New(context.Background(), devserver.Options{
		DynamoDBEndpoint: dynamotest.Endpoint(t), Table: dynamotest.NewTable(t, dynamotest.Client(t)),
		Now: x.clock, Mail: x.mail, ProgramYAML: prog,
		StripeWebhookSecrets: stripeSecret, StripeAPIKey: "rk_test_e2e", StripeAPIURL: api.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	x.srv, x.ts = srv, httptest.NewServer(srv.Handler())
	t.Cleanup(x.ts.Close)
	x.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cart := &cartLog{}
	site.Config.Handler = landing(x.ts.URL, cart)
	site.Start()
	t.Cleanup(site.Close)

	// The snippet as served.
	resp, err := http.Get(x.ts.URL + "/t.js")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(js)
	zw.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, max-age=3600" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || gz.Len() >= 4096 {
		t.Errorf("/t.js: %d %v, %d bytes gzipped", resp.StatusCode, resp.Header, gz.Len())
	}
	for _, banned := range []string{"eval(", "new Function", "setTimeout(\"", "innerHTML", ".style", "document.write"} {
		if strings.Contains(string(js), banned) {
			t.Errorf("/t.js uses %s", banned)
		}
	}
	t.Logf("/t.js: %d bytes, %d gzipped", len(js), gz.Len())

	ctx := browsertest.Browser(t)
	run := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		return must[string](t)(chromedp.Run(ctx, chromedp.Evaluate[string](js)))
	}
	// A person's browser, not a headless one (which the click counter
	// rightly takes for a bot).
	run(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: iPhone})
		return err
	}))

	// 1. The click: Tally's link leads to the landing page with the token.
	run(chromedp.Navigate(x.ts.URL+"/go/summit-2026/jane"), chromedp.WaitVisible(chromedp.ID("buy")))
	loc := must[string](t)(chromedp.Run(ctx, chromedp.Location()))
	u, _ := url.Parse(loc)
	token := u.Query().Get("tally_click")
	if !strings.HasPrefix(loc, siteURL+"/summit?") || token == "" {
		t.Fatalf("landed on %s", loc)
	}
	ref := clicktoken.StripeForm(token)
	waitFor := func(js string) {
		t.Helper()
		for range 50 {
			if eval(js) == "yes" {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("never true: %s", js)
	}
	check := func(page string) {
		t.Helper()
		waitFor(`window.tally && window.tally.click ? "yes" : "no"`)
		if got := eval(`window.tally.click + " " + window.tally.stripeRef`); got != token+" "+ref {
			t.Errorf("%s: window.tally = %s", page, got)
		}
		if got := eval(`document.getElementById("hidden1").value`); got != token {
			t.Errorf("%s: hidden input = %q", page, got)
		}
		want := "https://buy.stripe.com/test_5kA?prefilled_email=sam%40example.org&locale=en&client_reference_id=" + ref
		if got := eval(`document.getElementById("buy").href`); got != want {
			t.Errorf("%s: payment link\n%s\nwant\n%s", page, got, want)
		}
		// Inputs and links added after load.
		eval(`(function () { var f = document.createElement("div"); f.id = "later";
			var i = document.createElement("input"); i.type = "hidden"; i.name = "tally_click"; f.appendChild(i);
			var a = document.createElement("a"); a.href = "https://buy.stripe.com/test_other"; a.textContent = "Also"; f.appendChild(a);
			document.body.appendChild(f); return "added"; })()`)
		waitFor(`document.querySelector("#later input").value === window.tally.click ? "yes" : "no"`)
		waitFor(`document.querySelector("#later a").href === "https://buy.stripe.com/test_other?client_reference_id=" + window.tally.stripeRef ? "yes" : "no"`)
		if v := eval(`JSON.stringify(window.violations)`); v != "[]" {
			t.Errorf("%s: CSP violations %s", page, v)
		}
	}
	check("landing page")
	if c := eval(`document.cookie`); !strings.Contains(c, "tally_click="+token) {
		t.Errorf("first-party cookie: %q", c)
	}

	// 2. Another page of the site, without the token in its URL.
	run(chromedp.Click(chromedp.ID("next")), chromedp.WaitVisible(chromedp.CSS("h1")))
	if loc := must[string](t)(chromedp.Run(ctx, chromedp.Location())); loc != siteURL+"/speakers" {
		t.Fatalf("second page %s", loc)
	}
	check("second page")
	// A Shopify storefront gets the cart attribute, once.
	for range 2 {
		run(chromedp.Navigate(siteURL+"/shop"), chromedp.WaitVisible(chromedp.CSS("h1")))
		waitFor(`localStorage.getItem("tally_click_cart") ? "yes" : "no"`)
	}
	cart.mu.Lock()
	if want := `{"attributes":{"tally_click":"` + token + `"}}`; len(cart.posts) != 1 || cart.posts[0] != want {
		t.Errorf("cart updates %q, want one %s", cart.posts, want)
	}
	cart.mu.Unlock()
	run(chromedp.Navigate(siteURL+"/speakers"), chromedp.WaitVisible(chromedp.CSS("h1")))
	link := eval(`document.getElementById("buy").href`)
	lu, _ := url.Parse(link)
	clientRef := lu.Query().Get("client_reference_id")

	// 3. Stripe: the session paid through that link, then half refunded.
	paid := x.clock().Add(time.Hour)
	x.stripe(t, fmt.Sprintf(`{"id":"evt_e2e_paid","object":"event","api_version":"2026-08-26.dahlia","created":%d,"type":"checkout.session.completed",
		"data":{"object":{"id":"cs_test_e2e","object":"checkout.session","mode":"payment","payment_status":"paid","status":"complete",
		"currency":"usd","amount_subtotal":18100,"amount_total":18936,"client_reference_id":%q,"metadata":{},
		"customer_details":{"email":"sam@example.org"},"payment_intent":"pi_e2e"}}}`, paid.Unix(), clientRef))
	refunded := paid.Add(24 * time.Hour)
	x.stripe(t, fmt.Sprintf(`{"id":"evt_e2e_refund","object":"event","api_version":"2026-08-26.dahlia","created":%d,"type":"charge.refunded",
		"data":{"object":{"id":"ch_e2e","object":"charge","amount":18936,"amount_captured":18936,"amount_refunded":4734,
		"currency":"usd","payment_intent":"pi_e2e","refunded":false,"status":"succeeded"}}}`, refunded.Unix()))

	// 4. jane's reports. The order: SUM26-REC 9700 (tax 776 on top) and
	// RET26-TRN 2 × 4700 − 940 = 8460; jane earns 4850 + 4230. A quarter of
	// what was paid (4734 of 18936) is refunded: round(4850 / 4) = 1213 and
	// round(4230 / 4) = 1058 (1057.5 rounds away from zero) come back.
	var ledgerJS struct {
		Totals map[string]int64 `json:"totals"`
	}
	x.json("/reports/ledger?month=2026-11", "dev-jane-key", &ledgerJS)
	if tt := ledgerJS.Totals; tt["earned_cents"] != 9080 || tt["clawbacks_cents"] != -2271 || tt["net_cents"] != 6809 {
		t.Errorf("ledger totals %v", tt)
	}
	var stats struct {
		Links []struct {
			Event                string
			Hits, OptIns, Orders int64
			RevenueCents         int64 `json:"revenue_cents"`
		} `json:"links"`
	}
	x.json("/reports/link-stats?month=2026-11", "dev-jane-key", &stats)
	if s := stats.Links[0]; s.Event != "summit-2026" || s.Hits != 1 || s.Orders != 1 || s.RevenueCents != 18160 {
		t.Errorf("link stats %+v", stats.Links)
	}
	var sold struct {
		Products []struct {
			SKU              string `json:"sku"`
			Quantity         int64  `json:"quantity"`
			RevenueCents     int64  `json:"revenue_cents"`
			CommissionCents  int64  `json:"commission_cents"`
			RefundedQuantity int64  `json:"refunded_quantity"`
			RefundedCents    int64  `json:"refunded_cents"`
		} `json:"products"`
	}
	x.json("/reports/products-sold?month=2026-11", "dev-jane-key", &sold)
	got := fmt.Sprint(sold.Products)
	// Money refunded on each line in proportion: round(9700/4) = 2425, round(8460/4) = 2115.
	if want := "[{RET26-TRN 2 8460 4230 0 2115} {SUM26-REC 1 9700 4850 0 2425}]"; got != want {
		t.Errorf("products sold %s, want %s", got, want)
	}
}

type cartLog struct {
	mu    sync.Mutex
	posts []string
}

// stripe delivers an event to the dev server, signed by stripe-go's helper.
func (x *tally) stripe(t *testing.T, body string) {
	t.Helper()
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(body), Secret: stripeSecret})
	req, _ := http.NewRequest(http.MethodPost, x.ts.URL+"/webhooks/stripe", strings.NewReader(body))
	req.Header.Set("Stripe-Signature", sp.Header)
	req.Header.Set("Content-Type", "application/json")
	resp, err := x.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("stripe webhook: %d %s", resp.StatusCode, b)
	}
	t.Logf("stripe webhook: %s", b)
}
