package devserver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tallyhq/tally/infra/browsertest"
	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/domain/money"
)

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// A person's whole visit, in Chromium: a report URL, the sign-in page, the
// mailed link, the button, back on the page asked for; every view's
// numbers against its JSON; screenshots at desktop and phone widths; axe-core
// on every page; CSV links; signing out.
func TestPortalInABrowser(t *testing.T) {
	x := workedExample(t)
	ctx := browsertest.Browser(t)
	run := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	text := func(js string) string {
		t.Helper()
		return must[string](t)(chromedp.Run(ctx, chromedp.Evaluate[string](js)))
	}
	location := func() string { return must[string](t)(chromedp.Run(ctx, chromedp.Location())) }

	// 1. A report URL without a session lands on the sign-in page.
	run(chromedp.Navigate(x.ts.URL+"/reports/link-stats?month=2026-11"), chromedp.WaitVisible(chromedp.ID("email")))
	if loc := location(); !strings.HasPrefix(loc, x.ts.URL+"/login?next=") {
		t.Fatalf("landed on %s", loc)
	}
	run(chromedp.SendKeys(chromedp.ID("email"), "jane@example.com"), chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.ID("code")))
	link := x.mail.lastLink("jane@example.com")
	if link == "" {
		t.Fatal("no sign-in mail printed")
	}
	run(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("form[action='/login/link'] button")))
	if h := text(`document.querySelector("h1").textContent`); h != "Sign in as Jane Doe" {
		t.Fatalf("confirm page says %q", h)
	}
	run(chromedp.Click(chromedp.CSS("form[action='/login/link'] button")), chromedp.WaitVisible(chromedp.CSS("svg.chart")))
	if loc := location(); loc != x.ts.URL+"/reports/link-stats?month=2026-11" {
		t.Fatalf("after sign-in: %s", loc)
	}

	shots := filepath.Join(repoRoot(t), ".cache", "screenshots")
	csv := signIn(t, x, "jane@example.com") // one session for the CSV downloads (mail is limited to 5 an hour)
	views := []string{"ledger", "link-stats", "products-sold", "commission-structure", "links"}
	for _, v := range views {
		path := "/reports/" + v + "?month=2026-11"
		run(chromedp.Navigate(x.ts.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		var js map[string]any
		x.json(path, "dev-jane-key", &js)
		switch v {
		case "ledger":
			totals := text(`Array.from(document.querySelectorAll(".totals dd")).map(e => e.textContent).join("|")`)
			tt := js["totals"].(map[string]any)
			want := strings.Join([]string{money.Format(int64(tt["earned_cents"].(float64)), "USD"), money.Format(int64(tt["clawbacks_cents"].(float64)), "USD"),
				money.Format(int64(tt["adjustments_cents"].(float64)), "USD"), money.Format(int64(tt["net_cents"].(float64)), "USD")}, "|")
			if totals != want {
				t.Errorf("ledger totals %q, JSON says %q", totals, want)
			}
			if n := text(`String(document.querySelectorAll("tbody tr").length)`); n != fmt.Sprint(len(js["entries"].([]any))) {
				t.Errorf("ledger rows %s, JSON entries %d", n, len(js["entries"].([]any)))
			}
			if !strings.Contains(text(`document.body.textContent`), "Transcripts bought after a visit to your Health Summit 2026 link: 50%") {
				t.Error("entries are not explained in plain words")
			}
		case "link-stats":
			cells := text(`Array.from(document.querySelectorAll("section[aria-labelledby=by-event] tbody tr")).map(r => Array.from(r.querySelectorAll("td")).slice(1, 4).map(c => c.textContent).join(",")).join("|")`)
			var want []string
			for _, l := range js["links"].([]any) {
				r := l.(map[string]any)
				want = append(want, fmt.Sprintf("%v,%v,%v", r["hits"], r["opt_ins"], r["orders"]))
			}
			if cells != strings.Join(want, "|") {
				t.Errorf("link rows %q, JSON %q", cells, strings.Join(want, "|"))
			}
			if !strings.Contains(text(`document.body.textContent`), "bots and HEAD requests are not counted") {
				t.Error("no line saying what a hit is")
			}
		case "products-sold":
			if n := text(`String(document.querySelectorAll("tbody tr").length)`); n != fmt.Sprint(len(js["products"].([]any))) {
				t.Errorf("product rows %s, JSON %d", n, len(js["products"].([]any)))
			}
		case "links":
			if n := text(`String(document.querySelectorAll("svg.qr").length)`); n != "2" {
				t.Errorf("%s QR codes", n)
			}
			if h := text(`document.querySelector("button[data-copy]").hidden ? "hidden" : "shown"`); h != "shown" {
				t.Error("copy buttons not shown with the script running")
			}
		}
		if !strings.Contains(text(`document.body.textContent`), "America/New_York") {
			t.Errorf("%s does not say its time zone", v)
		}
		for _, w := range []int64{1280, 390} {
			browsertest.Screenshot(t, ctx, w, filepath.Join(shots, fmt.Sprintf("%s-%d.png", v, w)))
			if w == 390 {
				if sw := text(`String(document.documentElement.scrollWidth)`); sw != "390" {
					t.Errorf("%s at 390px scrolls sideways (%spx wide)", v, sw)
				}
			}
		}
		run(chromedp.EmulateViewport(1280, 800))
		if bad := browsertest.Violations(browsertest.Axe(t, ctx)); len(bad) > 0 {
			t.Errorf("%s: axe-core: %s", v, strings.Join(bad, "; "))
		}
		// Every view has a CSV link: the same report as CSV.
		href := text(`document.querySelector("a[download]") ? document.querySelector("a[download]").getAttribute("href") : ""`)
		if !strings.Contains(href, "format=csv") || !strings.HasPrefix(href, "/reports/"+v) {
			t.Errorf("%s: CSV link %q", v, href)
		}
		checkCSV(t, x, csv, href)
		// The sign-out form carries the session's form token.
		if tok := text(`(document.querySelector("header form input[name=csrf]") || {}).value || ""`); len(tok) < 40 {
			t.Errorf("%s: sign-out form token %q", v, tok)
		}
	}

	// Signing out ends the session: the same page now asks to sign in.
	run(chromedp.Click(chromedp.CSS("header form button")), chromedp.WaitVisible(chromedp.ID("email")))
	run(chromedp.Navigate(x.ts.URL+"/reports/ledger"), chromedp.WaitVisible(chromedp.ID("email")))
	if loc := location(); !strings.HasPrefix(loc, x.ts.URL+"/login") {
		t.Errorf("after sign-out a report shows %s", loc)
	}
}

// checkCSV follows a CSV link with a signed-in plain HTTP client.
func checkCSV(t *testing.T, x *tally, c *http.Client, href string) {
	t.Helper()
	resp, err := c.Get(x.ts.URL + href)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Errorf("CSV %s: %d %s", href, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// signIn goes through the email sign-in with a cookie jar.
func signIn(t *testing.T, x *tally, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(x.ts.URL+"/login", url.Values{"email": {email}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	link, _ := url.Parse(x.mail.lastLink(email))
	// The cookie is Secure; the test server is plain HTTP, so carry it by hand.
	resp, err = c.PostForm(x.ts.URL+"/login/link", url.Values{"t": {link.Query().Get("t")}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session string
	for _, ck := range resp.Cookies() {
		if ck.Name == "tally_session" {
			session = ck.Value
		}
	}
	if session == "" {
		t.Fatalf("no session for %s (%d)", email, resp.StatusCode)
	}
	u, _ := url.Parse(x.ts.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "tally_session", Value: session, Path: "/"}})
	return c
}

// Two affiliates signed in side by side each see only their own numbers,
// and a tampered or another's cookie gets the sign-in page.
func TestSessionsAreSeparate(t *testing.T) {
	x := workedExample(t)
	jane, bob := signIn(t, x, "jane@example.com"), signIn(t, x, "bob@example.com")
	page := func(c *http.Client, path string) (int, string) {
		req, _ := http.NewRequest("GET", x.ts.URL+path, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, v := range []string{"ledger", "link-stats", "products-sold", "commission-structure", "links"} {
		_, j := page(jane, "/reports/"+v+"?month=2026-11")
		_, b := page(bob, "/reports/"+v+"?month=2026-11")
		if !strings.Contains(j, "Jane Doe") || strings.Contains(j, "Bob Stone") || !strings.Contains(b, "Bob Stone") || strings.Contains(b, "Jane Doe</strong>") {
			t.Errorf("%s: pages mixed up", v)
		}
	}
	_, j := page(jane, "/reports/ledger?month=2026-11")
	if !strings.Contains(j, "$148.50") {
		t.Error("jane's ledger page lacks her net $148.50")
	}
	// Tampered cookie: the sign-in page.
	u, _ := url.Parse(x.ts.URL)
	cks := jane.Jar.Cookies(u)
	tampered, _ := cookiejar.New(nil)
	tampered.SetCookies(u, []*http.Cookie{{Name: "tally_session", Value: strings.Replace(cks[0].Value, "jane", "bob", 1), Path: "/"}})
	c := &http.Client{Jar: tampered, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if code, _ := page(c, "/reports/ledger"); code != 303 {
		t.Errorf("tampered cookie: %d", code)
	}
}

func repoRoot(t *testing.T) string {
	p, err := sam.RepoFile("")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// kim's My Payouts page, after the demo activity (SPEC 9's worked example):
// the four amounts and the rows match the JSON; screenshots at desktop and
// phone widths; no sideways scrolling; axe-core finds no violation.
func TestPayoutsPageInABrowser(t *testing.T) {
	x := start(t)
	jane, _ := x.srv.Program.LinkFor("summit-2026", "jane")
	if err := demo.Play(x.srv.Handler(), x.srv.WebhookSecret, x.clock(), jane.Code); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.Browser(t)
	text := func(js string) string {
		t.Helper()
		return must[string](t)(chromedp.Run(ctx, chromedp.Evaluate[string](js)))
	}
	browserSignIn(t, ctx, x, "/reports/payouts", "kim@example.com", ".totals")
	var b balance
	x.json("/reports/balance", "dev-kim-key", &b)
	var mine struct{ Payouts []map[string]any }
	x.json("/reports/payouts", "dev-kim-key", &mine)
	got := text(`Array.from(document.querySelectorAll(".totals dd")).map(e => e.textContent).join("|")`)
	want := strings.Join([]string{money.Format(b.HeldCents, "USD"), money.Format(b.AvailableCents, "USD"), money.Format(b.InPayoutCents, "USD"), money.Format(b.PaidCents, "USD")}, "|")
	if got != want || b.PaidCents != 6991 {
		t.Errorf("totals %q, JSON says %q", got, want)
	}
	if n := text(`String(document.querySelectorAll("tbody tr").length)`); n != fmt.Sprint(len(mine.Payouts)) || n != "2" {
		t.Errorf("%s payout rows, JSON has %d", n, len(mine.Payouts))
	}
	lookAt(t, ctx, "payouts")
}

// My Mail in Chromium: an unsubscribed affiliate turns mail back on with
// the page's button; screenshots at both widths; axe-core.
func TestMailPageInABrowser(t *testing.T) {
	x := start(t)
	if err := x.srv.Store.SetMailOff(context.Background(), "jane", true, x.clock()); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.Browser(t)
	text := func(js string) string {
		t.Helper()
		return must[string](t)(chromedp.Run(ctx, chromedp.Evaluate[string](js)))
	}
	browserSignIn(t, ctx, x, "/reports/mail", "jane@example.com", "form[action='/reports/mail'] button")
	if got := text(`document.querySelector("main h2 + p, main p").textContent`); !strings.Contains(got, "off") {
		t.Errorf("page says %q, want mail off", got)
	}
	shots := filepath.Join(repoRoot(t), ".cache", "screenshots")
	for _, w := range []int64{1280, 390} {
		browsertest.Screenshot(t, ctx, w, filepath.Join(shots, fmt.Sprintf("mail-%d.png", w)))
		if w == 390 {
			if sw := text(`String(document.documentElement.scrollWidth)`); sw != "390" {
				t.Errorf("mail page at 390px scrolls sideways (%spx wide)", sw)
			}
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	if bad := browsertest.Violations(browsertest.Axe(t, ctx)); len(bad) > 0 {
		t.Errorf("mail page: axe-core: %s", strings.Join(bad, "; "))
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("form[action='/reports/mail'] button")), chromedp.WaitVisible(chromedp.CSS("[role=status]"))); err != nil {
		t.Fatal(err)
	}
	off, err := x.srv.Store.MailOff(context.Background(), "jane")
	if err != nil || off {
		t.Errorf("after the button, mail off = %v (%v)", off, err)
	}
}

// browserSignIn opens a page, signs in by the mailed link and waits for the
// page's selector.
func browserSignIn(t *testing.T, ctx context.Context, x *tally, path, email, ready string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(x.ts.URL+path), chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email), chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("code"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(x.mail.lastLink(email)), chromedp.WaitVisible(chromedp.CSS("form[action='/login/link'] button")),
		chromedp.Click(chromedp.CSS("form[action='/login/link'] button")), chromedp.WaitVisible(chromedp.CSS(ready))); err != nil {
		t.Fatal(err)
	}
}
