package devserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tallyhq/tally/infra/browsertest"
	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/domain/money"
	"github.com/tallyhq/tally/shared/domain/program"
)

// affiliateKeys are the demo affiliates and their own keys.
var affiliateKeys = map[string]string{"jane": "dev-jane-key", "bob": "dev-bob-key", "kim": "dev-kim-key"}

// dashboard is the worked example plus kim's orders (one payable, one
// held), so every owner's page has something to show.
func dashboard(t *testing.T) *tally {
	x := workedExample(t)
	x.order("k1", 40, "GUT-REC", 1, 14700)
	x.order("k2", 3, "GUT-TRN", 1, 3333)
	return x
}

// page GETs a page as a browser would, with a signed-in client.
func page(t *testing.T, x *tally, c *http.Client, path string) (int, string) {
	t.Helper()
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

// sessionJSON GETs a JSON answer with a signed-in client.
func sessionJSON(t *testing.T, x *tally, c *http.Client, path string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", x.ts.URL+path, nil)
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

var hidden = regexp.MustCompile(`name="(csrf|idempotency_key|id)" value="([^"]*)"`)

// formFields are the hidden fields of the forms of a page.
func formFields(body string) url.Values {
	v := url.Values{}
	for _, m := range hidden.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], m[2])
	}
	return v
}

// post sends a form with a signed-in client and extra headers.
func post(t *testing.T, x *tally, c *http.Client, path string, form url.Values, headers map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", x.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Location")
}

// send makes a signed-in client send a form with any method.
func send(t *testing.T, x *tally, c *http.Client, method, path string, form url.Values) int {
	t.Helper()
	req, _ := http.NewRequest(method, x.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

type adminOverview struct {
	Hits        int64
	OptIns      int64 `json:"opt_ins"`
	Orders      int64
	Revenue     int64 `json:"revenue_cents"`
	Earned      int64 `json:"earned_cents"`
	Clawbacks   int64 `json:"clawbacks_cents"`
	Adjustments int64 `json:"adjustments_cents"`
	Net         int64 `json:"net_cents"`
	Events      []map[string]any
	Days        []map[string]any
}

type affiliateRow struct {
	Affiliate      string   `json:"affiliate"`
	Hits           int64    `json:"hits"`
	OptIns         int64    `json:"opt_ins"`
	Orders         int64    `json:"orders"`
	RevenueCents   int64    `json:"revenue_cents"`
	EarnedCents    int64    `json:"earned_cents"`
	NetCents       int64    `json:"net_cents"`
	HeldCents      int64    `json:"held_cents"`
	AvailableCents int64    `json:"available_cents"`
	LastHit        *string  `json:"last_hit"`
	QuietEvents    []string `json:"quiet_events"`
}

// The program's totals are the sums over affiliates, and each affiliate's
// row is what their own reports say for the same period.
func TestOwnerNumbersAgreeWithAffiliatesOwnReports(t *testing.T) {
	x := dashboard(t)
	// A month lists who was in the program then: the program was loaded in
	// November, and only Sam earned in October (the worked example's orders).
	for q, n := range map[string]int{"?month=2026-11": 3, "?month=2026-10": 1, "?from=2026-10-01&to=2026-11-30": 3} {
		var o adminOverview
		x.json("/admin"+q, owner, &o)
		var rows struct{ Affiliates []affiliateRow }
		_, _, raw := x.report("/admin/affiliates"+q, owner, "application/json")
		if err := json.Unmarshal([]byte(raw), &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows.Affiliates) != n {
			t.Fatalf("%s: %d rows, want %d", q, len(rows.Affiliates), n)
		}
		// What each is owed today is on the Payouts page, not the list.
		if c := strings.Count(raw, `"held_cents":null,"available_cents":null`); c != n {
			t.Errorf("%s: %d rows without a balance of %d", q, c, n)
		}
		var sum affiliateRow
		for _, r := range rows.Affiliates {
			var ls struct {
				Totals struct {
					Hits, Orders int64
					OptIns       int64 `json:"opt_ins"`
					Revenue      int64 `json:"revenue_cents"`
				}
			}
			x.json("/reports/link-stats"+q, affiliateKeys[r.Affiliate], &ls)
			var led struct {
				Totals struct {
					Earned int64 `json:"earned_cents"`
					Net    int64 `json:"net_cents"`
				}
			}
			x.json("/reports/ledger"+q, affiliateKeys[r.Affiliate], &led)
			own := affiliateRow{Affiliate: r.Affiliate, Hits: ls.Totals.Hits, OptIns: ls.Totals.OptIns, Orders: ls.Totals.Orders, RevenueCents: ls.Totals.Revenue,
				EarnedCents: led.Totals.Earned, NetCents: led.Totals.Net}
			got := r
			got.LastHit, got.QuietEvents = nil, nil
			if fmt.Sprint(got) != fmt.Sprint(own) {
				t.Errorf("%s %s: row %+v, own reports %+v", q, r.Affiliate, got, own)
			}
			sum.Hits += r.Hits
			sum.OptIns += r.OptIns
			sum.Orders += r.Orders
			sum.RevenueCents += r.RevenueCents
			sum.EarnedCents += r.EarnedCents
			sum.NetCents += r.NetCents
		}
		if o.Hits != sum.Hits || o.OptIns != sum.OptIns || o.Orders != sum.Orders || o.Revenue != sum.RevenueCents || o.Earned != sum.EarnedCents || o.Net != sum.NetCents {
			t.Errorf("%s: program %+v, sum over affiliates %+v", q, o, sum)
		}
		var days, events affiliateRow
		for _, d := range o.Days {
			days.Hits += int64(d["hits"].(float64))
			days.Orders += int64(d["orders"].(float64))
		}
		for _, e := range o.Events {
			events.Hits += int64(e["hits"].(float64))
			events.Orders += int64(e["orders"].(float64))
		}
		if days.Hits != o.Hits || events.Hits != o.Hits || days.Orders != o.Orders || events.Orders != o.Orders {
			t.Errorf("%s: days %+v and events %+v do not add up to %d hits, %d orders", q, days, events, o.Hits, o.Orders)
		}
	}
	// November: the worked example's two clicks and Sam's order.
	var o adminOverview
	x.json("/admin?month=2026-11", owner, &o)
	if o.Hits != 2 || o.Orders != 3 || o.Earned != 17200+1111 || o.Clawbacks != -2350 {
		t.Errorf("November: %+v", o)
	}
	// Visits: jane and bob had a hit today; nobody ever visited kim's link
	// or jane's retreat link.
	var rows struct{ Affiliates []affiliateRow }
	x.json("/admin/affiliates?month=2026-11", owner, &rows)
	want := map[string]string{"jane": "2026-11-20 [retreat-2026]", "bob": "2026-11-20 []", "kim": "<nil> [gut-2026]"}
	for _, r := range rows.Affiliates {
		last := "<nil>"
		if r.LastHit != nil {
			last = *r.LastHit
		}
		if got := fmt.Sprintf("%s %v", last, r.QuietEvents); got != want[r.Affiliate] {
			t.Errorf("%s: last hit and quiet events %s, want %s", r.Affiliate, got, want[r.Affiliate])
		}
	}
	// A past period does not change the last hit or who is quiet.
	x.json("/admin/affiliates?from=2026-09-01&to=2026-09-15", owner, &rows)
	i := slices.IndexFunc(rows.Affiliates, func(r affiliateRow) bool { return r.Affiliate == "jane" })
	if i < 0 {
		t.Fatalf("jane not listed in September: %+v", rows.Affiliates)
	}
	if r := rows.Affiliates[i]; r.LastHit == nil || *r.LastHit != "2026-11-20" || fmt.Sprint(r.QuietEvents) != "[retreat-2026]" {
		t.Errorf("jane in September: %+v", r)
	}
	// Sorted on the page's terms, in JSON and CSV too.
	x.json("/admin/affiliates?month=2026-11&sort=earned_cents&dir=desc", owner, &rows)
	if rows.Affiliates[0].Affiliate != "jane" || rows.Affiliates[2].Affiliate != "bob" {
		t.Errorf("sorted by earned, descending: %v", rows.Affiliates)
	}
	code, h, body := x.report("/admin/affiliates?month=2026-11&format=csv", owner, "")
	if code != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasPrefix(body, "affiliate,name,email,active,events,hits,") || strings.Count(body, "\n") != 4 {
		t.Errorf("affiliates CSV: %d %s", code, body)
	}
	if code, _, body := x.report("/admin?month=2026-11&format=csv", owner, ""); code != 200 || strings.Count(body, "\n") != 31 {
		t.Errorf("overview CSV: %d, %d lines", code, strings.Count(body, "\n"))
	}
}

// Sessions follow the role rules of keys, on every route of the template:
// an affiliate's session gets 403 on /admin and below (a page saying so in
// a browser), an owner's on /reports/*; a browser without a session is sent
// to sign in, and comes back.
func TestSessionRoleMatrix(t *testing.T) {
	x := dashboard(t)
	jane, own := signIn(t, x, "jane@example.com"), signIn(t, x, "accounts@example.com")
	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var p payoutAnswer
	x.ok(201, "POST", "/admin/payouts", owner, "matrix", `{}`, &p)
	tpl, err := sam.LoadRepo()
	if err != nil {
		t.Fatal(err)
	}
	fill := strings.NewReplacer("{id}", p.ID, "{affiliate}", "kim", "{code}", "kim")
	contest := strings.NewReplacer("{event}", "summit-2026", "{id}", "launch-week")
	job := importJob(t, x)
	admin, reports := 0, 0
	for _, r := range tpl.Routes() {
		path := fill.Replace(r.Path)
		if strings.HasPrefix(r.Path, "/admin/contests/") {
			path = contest.Replace(r.Path)
		}
		if r.Path == "/admin/affiliates/import/{id}" {
			path = "/admin/affiliates/import/" + job
		}
		isAdmin := r.Path == "/admin" || strings.HasPrefix(r.Path, "/admin/")
		if !isAdmin && !strings.HasPrefix(r.Path, "/reports/") {
			continue
		}
		wrong, right := own, jane
		if isAdmin {
			wrong, right = jane, own
			admin++
		} else {
			reports++
		}
		if r.Method != "GET" { // a signed-in change (POST, PATCH, DELETE) without its form token: refused before anything
			if code := send(t, x, wrong, r.Method, path, url.Values{"reason": {"r"}}); code != 403 {
				t.Errorf("%s %s, other role's session: %d", r.Method, r.Path, code)
			}
			if code := send(t, x, right, r.Method, path, url.Values{"reason": {"r"}}); code != 403 {
				t.Errorf("%s %s, right session without the form token: %d", r.Method, r.Path, code)
			}
			continue
		}
		if code := sessionJSON(t, x, wrong, path, nil); code != 403 {
			t.Errorf("GET %s, other role's session (JSON): %d", r.Path, code)
		}
		if code := sessionJSON(t, x, right, path, nil); code != 200 {
			t.Errorf("GET %s, its role's session (JSON): %d", r.Path, code)
		}
		if strings.Contains(r.Path, "/export") || r.Path == "/admin/balances" || r.Path == "/admin/affiliates/{code}/ledger" {
			continue // files and JSON only: the Payouts and affiliate pages show them
		}
		if code, body := page(t, x, wrong, path); code != 403 || !strings.Contains(body, "This page is not for your account") {
			t.Errorf("GET %s, other role's session (page): %d", r.Path, code)
		}
		if code, body := page(t, x, right, path); code != 200 || !strings.Contains(body, "<h1>") {
			t.Errorf("GET %s, its role's session (page): %d", r.Path, code)
		}
		req, _ := http.NewRequest("GET", x.ts.URL+path, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := anon.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/login?next="+url.QueryEscape(path) {
			t.Errorf("GET %s, no session: %d %s", r.Path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if admin < 13 || reports < 7 {
		t.Fatalf("only %d admin and %d report routes", admin, reports)
	}
}

// Every form of the owner's pages: a post from another site, or without the
// session's token, or with another session's token, is 403 and changes
// nothing; a double-submitted create makes one payout, a double-submitted
// adjustment one adjustment.
func TestOwnerFormsAreBoundToTheSessionAndThisSite(t *testing.T) {
	x := dashboard(t)
	own, other := signIn(t, x, "accounts@example.com"), signIn(t, x, "accounts@example.com")
	_, pg := page(t, x, own, "/admin/payouts?confirm=create")
	f := formFields(pg)
	if f.Get("csrf") == "" || f.Get("idempotency_key") == "" {
		t.Fatalf("create form lacks its fields: %v", f)
	}
	_, pg2 := page(t, x, other, "/admin/payouts?confirm=create")
	otherToken := formFields(pg2).Get("csrf")
	count := func() int {
		var ps struct{ Payouts []payoutAnswer }
		x.json("/admin/payouts", owner, &ps)
		return len(ps.Payouts)
	}
	refused := func(path string, form url.Values) {
		t.Helper()
		for name, c := range map[string]struct {
			drop, token string
			h           map[string]string
		}{
			"cross-site origin":       {h: map[string]string{"Origin": "https://evil.example"}},
			"cross-site fetch":        {h: map[string]string{"Sec-Fetch-Site": "cross-site"}},
			"no token":                {drop: "csrf"},
			"another session's token": {token: otherToken},
			"null origin":             {h: map[string]string{"Origin": "null"}},
		} {
			v := url.Values{}
			for k, vs := range form {
				v[k] = vs
			}
			if c.drop != "" {
				v.Del(c.drop)
			}
			if c.token != "" {
				v.Set("csrf", c.token)
			}
			if code, _ := post(t, x, own, path, v, c.h); code != 403 {
				t.Errorf("%s %s: %d, want 403", path, name, code)
			}
		}
	}
	refused("/admin/payouts", f)
	if n := count(); n != 0 {
		t.Fatalf("refused creates made %d payouts", n)
	}
	// The same form sent twice: one payout.
	code, loc := post(t, x, own, "/admin/payouts", f, map[string]string{"Origin": x.ts.URL})
	code2, loc2 := post(t, x, own, "/admin/payouts", f, nil)
	if code != 303 || code2 != 303 || loc != loc2 || !strings.HasPrefix(loc, "/admin/payouts/po_") {
		t.Fatalf("double submit: %d %s, %d %s", code, loc, code2, loc2)
	}
	if n := count(); n != 1 {
		t.Fatalf("a double-submitted create made %d payouts", n)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/admin/payouts/"), "?done=created")
	status := func() (string, string) {
		var p payoutAnswer
		x.json("/admin/payouts/"+id, owner, &p)
		return p.Status, p.Items[0].Status
	}
	tok := url.Values{"csrf": {f.Get("csrf")}}
	refused("/admin/payouts/"+id+"/cancel", tok)
	refused("/admin/payouts/"+id+"/mark-paid", url.Values{"csrf": tok["csrf"], "reference": {"PP-1"}})
	if s, _ := status(); s != "draft" {
		t.Fatalf("refused posts moved the payout to %s", s)
	}
	if code, loc := post(t, x, own, "/admin/payouts/"+id+"/mark-paid", url.Values{"csrf": tok["csrf"], "reference": {"PP-1"}}, nil); code != 303 || !strings.HasSuffix(loc, "?done=paid") {
		t.Fatalf("mark paid: %d %s", code, loc)
	}
	refused("/admin/payouts/"+id+"/items/kim/returned", url.Values{"csrf": tok["csrf"], "reason": {"closed"}})
	if _, s := status(); s != "paid" {
		t.Fatalf("refused returns moved the item to %s", s)
	}
	if code, _ := post(t, x, own, "/admin/payouts/"+id+"/items/kim/returned", url.Values{"csrf": tok["csrf"], "reason": {"closed"}}, nil); code != 303 {
		t.Fatalf("return: %d", code)
	}
	if _, s := status(); s != "returned" {
		t.Fatalf("item is %s", s)
	}
	// Adjustments: the page's form, refused, then sent twice.
	_, pg = page(t, x, own, "/admin/affiliates/bob")
	a := formFields(pg)
	a.Set("affiliate", "bob")
	a.Set("amount", "-12.50")
	a.Set("reason", "Correction")
	refused("/admin/adjustments", a)
	adjustments := func() (n int, sum int64) {
		var led struct {
			Entries []struct {
				Type   string
				Amount int64 `json:"amount_cents"`
			}
		}
		x.json("/reports/ledger", "dev-bob-key", &led)
		for _, e := range led.Entries {
			if e.Type == "adjustment" {
				n++
				sum += e.Amount
			}
		}
		return n, sum
	}
	if n, _ := adjustments(); n != 0 {
		t.Fatalf("refused adjustments wrote %d", n)
	}
	for i := 0; i < 2; i++ {
		if code, loc := post(t, x, own, "/admin/adjustments", a, nil); code != 303 || loc != "/admin/affiliates/bob?done=adjusted" {
			t.Fatalf("adjustment: %d %s", code, loc)
		}
	}
	if n, sum := adjustments(); n != 1 || sum != -1250 {
		t.Errorf("double-submitted adjustment: %d entries, %d cents", n, sum)
	}
	// A form's failure is a page in words, and changes nothing.
	a.Set("id", "adj-other")
	a.Set("amount", "12.505")
	if code, _ := post(t, x, own, "/admin/adjustments", a, nil); code != 400 {
		t.Errorf("bad amount: %d", code)
	}
}

// The owner's whole month end in Chromium, at desktop and phone widths:
// sign in, every page's numbers against its JSON, make a payout (a double
// click makes one), mark it paid, a payment sent back, a payout canceled;
// axe-core on every page; the other portal's pages say they are not the
// owner's. Screenshots go to .cache/screenshots (the README's are copies).
func TestOwnerDashboardInABrowser(t *testing.T) {
	x := dashboard(t)
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
	shots := filepath.Join(repoRoot(t), ".cache", "screenshots")
	look := func(name string) {
		t.Helper()
		for _, w := range []int64{1280, 390} {
			browsertest.Screenshot(t, ctx, w, filepath.Join(shots, fmt.Sprintf("owner-%s-%d.png", name, w)))
			if w == 390 {
				if sw := text(`String(document.documentElement.scrollWidth)`); sw != "390" {
					wide := text(`Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > 391).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right)).slice(-4).join(", ")`)
					t.Errorf("%s at 390px scrolls sideways (%spx wide): %s", name, sw, wide)
				}
			}
			if vs := browsertest.Axe(t, ctx); len(vs) > 0 {
				t.Errorf("%s at %dpx: axe-core: %+v", name, w, vs)
			}
		}
		run(chromedp.EmulateViewport(1280, 800))
	}
	cells := func(sel string) string {
		return text(`Array.from(document.querySelectorAll(` + fmt.Sprintf("%q", sel) + `)).map(e => e.textContent.trim()).join("|")`)
	}
	usd := func(c int64) string { return money.Format(c, "USD") }

	// Sign in as the owner from the page asked for, and come back to it.
	run(chromedp.Navigate(x.ts.URL+"/admin?month=2026-11"), chromedp.WaitVisible(chromedp.ID("email")))
	run(chromedp.SendKeys(chromedp.ID("email"), "accounts@example.com"), chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.ID("code")))
	run(chromedp.Navigate(x.mail.lastLink("accounts@example.com")), chromedp.WaitVisible(chromedp.CSS("form[action='/login/link'] button")))
	if h := text(`document.querySelector("h1").textContent`); h != "Sign in as Accounts" {
		t.Errorf("confirm page says %q", h)
	}
	run(chromedp.Click(chromedp.CSS("form[action='/login/link'] button")), chromedp.WaitVisible(chromedp.CSS(`nav[aria-label="Program"]`)))
	if loc := location(); loc != x.ts.URL+"/admin?month=2026-11" {
		t.Fatalf("after sign-in: %s", loc)
	}

	// Overview: the figures, the events and the chart are the JSON's.
	var o adminOverview
	x.json("/admin?month=2026-11", owner, &o)
	want := strings.Join([]string{fmt.Sprint(o.Hits), fmt.Sprint(o.OptIns), fmt.Sprint(o.Orders), usd(o.Revenue), usd(o.Earned), usd(o.Clawbacks), usd(o.Adjustments), usd(o.Net)}, "|")
	if got := cells(".totals dd"); got != want {
		t.Errorf("overview figures %q, JSON %q", got, want)
	}
	if got := cells("tfoot td"); got != fmt.Sprintf("%d|%d|%d|%s", o.Hits, o.OptIns, o.Orders, usd(o.Revenue)) {
		t.Errorf("overview event total %q", got)
	}
	if n := text(`String(document.querySelectorAll("svg.chart text.tick").length)`); n == "0" {
		t.Error("overview chart has no labelled ticks")
	}
	var chartHits int64
	for _, d := range o.Days {
		chartHits += int64(d["hits"].(float64))
	}
	if got := text(`String(Array.from(document.querySelectorAll("figure .sr-only tbody tr")).reduce((s, r) => s + Number(r.children[1].textContent), 0))`); got != fmt.Sprint(chartHits) || chartHits != o.Hits {
		t.Errorf("chart table hits %s, JSON days %d, total %d", got, chartHits, o.Hits)
	}
	look("overview")

	// Affiliates: each row's numbers are the JSON's; who is quiet is marked.
	run(chromedp.Click(chromedp.CSS(`nav a[href^="/admin/affiliates"]`)), chromedp.WaitVisible(chromedp.CSS("table.wide")))
	var rows struct{ Affiliates []affiliateRow }
	x.json("/admin/affiliates?month=2026-11", owner, &rows)
	var wantRows []string
	quiet := 0
	for _, r := range rows.Affiliates {
		wantRows = append(wantRows, strings.Join([]string{fmt.Sprint(r.Hits), fmt.Sprint(r.OptIns), fmt.Sprint(r.Orders), usd(r.RevenueCents), usd(r.EarnedCents), usd(r.NetCents)}, ","))
		quiet += len(r.QuietEvents)
	}
	got := text(`Array.from(document.querySelectorAll("table.wide tbody tr")).map(r => Array.from(r.querySelectorAll("td.num")).map(c => c.textContent).join(",")).join("|")`)
	if got != strings.Join(wantRows, "|") {
		t.Errorf("affiliate rows %q, JSON %q", got, strings.Join(wantRows, "|"))
	}
	if n := text(`String(document.querySelectorAll("table.wide .quiet").length)`); n != fmt.Sprint(quiet) || quiet != 2 {
		t.Errorf("%s quiet marks, JSON has %d", n, quiet)
	}
	look("affiliates")
	run(chromedp.Click(chromedp.CSS(`th a[href*="sort=earned_cents"]`)), chromedp.WaitVisible(chromedp.CSS(`th[aria-sort]`)))
	if first := text(`document.querySelector("table.wide tbody tr a").textContent`); first != "Bob Stone" {
		t.Errorf("sorted by earned, ascending, first is %s", first)
	}

	// One affiliate: the same numbers as their own reports; an adjustment.
	run(chromedp.Navigate(x.ts.URL+"/admin/affiliates/jane?month=2026-11"), chromedp.WaitVisible(chromedp.ID("amount")))
	var ledRaw map[string]any
	x.json("/reports/ledger?month=2026-11", "dev-jane-key", &ledRaw)
	tt := ledRaw["totals"].(map[string]any)
	cents := func(k string) string { return usd(int64(tt[k].(float64))) }
	if got := cells(".totals dd"); !strings.HasSuffix(got, strings.Join([]string{cents("earned_cents"), cents("clawbacks_cents"), cents("adjustments_cents"), cents("net_cents")}, "|")) {
		t.Errorf("jane's ledger totals on the owner's page %q", got)
	}
	if n := text(`String(document.querySelectorAll("section[aria-labelledby=entries] tbody tr").length)`); n != fmt.Sprint(len(ledRaw["entries"].([]any))) {
		t.Errorf("%s ledger rows", n)
	}
	if !strings.Contains(text(`document.body.textContent`), "No visits yet.") {
		t.Error("jane's retreat chart does not say no visits yet")
	}
	look("affiliate")
	run(chromedp.SendKeys(chromedp.ID("amount"), "25"), chromedp.SendKeys(chromedp.ID("reason"), "Launch bonus"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/adjustments"] button`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	x.json("/reports/ledger?month=2026-11", "dev-jane-key", &ledRaw)
	if a := ledRaw["totals"].(map[string]any)["adjustments_cents"]; a != 2500.0 {
		t.Errorf("after the form, jane's adjustments are %v", a)
	}

	// Adding an affiliate with the form; the affiliate's page changes and
	// removes them; an import by upload (SPEC 15).
	run(chromedp.Navigate(x.ts.URL+"/admin/affiliates?add=1"), chromedp.WaitVisible(chromedp.ID("code")))
	look("affiliates-add")
	run(chromedp.SendKeys(chromedp.ID("code"), "zoe"), chromedp.SendKeys(chromedp.ID("name"), "Zoe Park"),
		chromedp.SendKeys(chromedp.ID("email"), "zoe@example.org"), chromedp.SetValue(chromedp.ID("plan"), "partner"),
		chromedp.Click(chromedp.CSS(`#add input[name=events][value="gut-2026"]`)), chromedp.SendKeys(chromedp.ID("coupons"), "ZOE20"),
		chromedp.Click(chromedp.CSS(`#add form button`)), chromedp.WaitVisible(chromedp.ID("edit")))
	if loc := location(); loc != x.ts.URL+"/admin/affiliates/zoe?done=added" {
		t.Fatalf("after the add form: %s", loc)
	}
	var zoe record
	x.ok(200, "PATCH", "/admin/affiliates/zoe", owner, "", `{}`, &zoe)
	if zoe.Plan != "partner" || strings.Join(zoe.Events, ",") != "gut-2026" || strings.Join(zoe.Coupons, ",") != "ZOE20" {
		t.Errorf("zoe from the form: %+v", zoe)
	}
	run(chromedp.Navigate(x.ts.URL+"/admin/affiliates/zoe?confirm=remove#remove"), chromedp.WaitVisible(chromedp.CSS(".confirm")))
	look("affiliate-edit")
	run(chromedp.Click(chromedp.CSS(`form[action="/admin/affiliates/zoe/remove"] button`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := text(`document.querySelector(".flash").textContent`); !strings.Contains(got, "Zoe Park is removed") {
		t.Errorf("after removing zoe: %q", got)
	}
	csvFile := filepath.Join(t.TempDir(), "affiliates.csv")
	if err := os.WriteFile(csvFile, []byte("code,name,email,plan,events\nliam,Liam Chen,liam@example.org,standard,summit-2026;gut-2026\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run(chromedp.Navigate(x.ts.URL+"/admin/affiliates?import=1"), chromedp.WaitVisible(chromedp.ID("file")))
	look("affiliates-import")
	run(chromedp.SetUploadFiles(chromedp.ID("file"), []string{csvFile}), chromedp.Click(chromedp.CSS(`#import form button`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#import[open]`)))
	if got := text(`document.querySelector(".flash").textContent`); !strings.Contains(got, "Imported: 1 new, 0 updated, 0 unchanged") {
		t.Errorf("after the upload: %q", got)
	}

	// Payouts: a confirmation in words, then one payout for a double click.
	run(chromedp.Navigate(x.ts.URL+"/admin/payouts"), chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/payouts?confirm=create#confirm"]`)))
	var bal struct{ Balances []balance }
	x.json("/admin/balances", owner, &bal)
	var wantBal []string
	for _, b := range bal.Balances {
		wantBal = append(wantBal, strings.Join([]string{usd(b.HeldCents), usd(b.AvailableCents), usd(b.InPayoutCents), usd(b.PaidCents)}, ","))
	}
	if got := text(`Array.from(document.querySelectorAll("section[aria-labelledby=balances] tbody tr")).map(r => Array.from(r.querySelectorAll("td.num")).map(c => c.textContent).join(",")).join("|")`); got != strings.Join(wantBal, "|") {
		t.Errorf("balances %q, JSON %q", got, strings.Join(wantBal, "|"))
	}
	look("payouts")
	run(chromedp.Click(chromedp.CSS(`a[href="/admin/payouts?confirm=create#confirm"]`)), chromedp.WaitVisible(chromedp.ID("confirm")))
	if s := text(`document.getElementById("confirm").textContent`); !strings.Contains(s, "Make a payout of $58.80 to 1 affiliate?") || !strings.Contains(s, "No money is sent") {
		t.Errorf("confirmation says %q", s)
	}
	look("payouts-confirm")
	// A double click: the form is submitted twice before the page changes.
	run(chromedp.Evaluate[chromedp.Void](`(() => { const f = document.querySelector("#confirm form"); f.requestSubmit(); f.requestSubmit(); })()`),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="?confirm=paid#confirm"]`)))
	var ps struct{ Payouts []payoutAnswer }
	x.json("/admin/payouts", owner, &ps)
	if len(ps.Payouts) != 1 || ps.Payouts[0].TotalCents != 5880 {
		t.Fatalf("after a double click: %+v", ps.Payouts)
	}
	id := ps.Payouts[0].ID
	if got := cells(`section[aria-labelledby=items] tbody td[data-label="Amount"]`); got != "$58.80" {
		t.Errorf("payout items %q", got)
	}
	look("payout")
	run(chromedp.Click(chromedp.CSS(`a[href$="?confirm=paid#confirm"]`)), chromedp.WaitVisible(chromedp.ID("reference")))
	look("payout-mark-paid")
	run(chromedp.SendKeys(chromedp.ID("reference"), "PAYPAL-BATCH-7"), chromedp.Click(chromedp.CSS(`#confirm button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href*="confirm=return"]`)))
	var p payoutAnswer
	x.json("/admin/payouts/"+id, owner, &p)
	if p.Status != "paid" || p.Reference == nil || *p.Reference != "PAYPAL-BATCH-7" {
		t.Errorf("after mark paid: %+v", p)
	}
	run(chromedp.Click(chromedp.CSS(`a[href*="affiliate=kim"]`)), chromedp.WaitVisible(chromedp.ID("reason")))
	look("payout-return")
	run(chromedp.SendKeys(chromedp.ID("reason"), "PayPal: account closed"), chromedp.Click(chromedp.CSS(`#confirm button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	x.json("/admin/payouts/"+id, owner, &p)
	for _, it := range p.Items {
		if (it.Affiliate == "kim") != (it.Status == "returned") {
			t.Errorf("item %s is %s", it.Affiliate, it.Status)
		}
	}
	// kim's money is payable again: a second payout, canceled.
	run(chromedp.Navigate(x.ts.URL+"/admin/payouts?confirm=create"), chromedp.WaitVisible(chromedp.CSS("#confirm form")),
		chromedp.Click(chromedp.CSS("#confirm button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(`a[href$="?confirm=cancel#confirm"]`)),
		chromedp.Click(chromedp.CSS(`a[href$="?confirm=cancel#confirm"]`)), chromedp.WaitVisible(chromedp.CSS(`#confirm .danger`)))
	if s := text(`document.getElementById("confirm").textContent`); !strings.Contains(s, "become payable again") {
		t.Errorf("cancel confirmation says %q", s)
	}
	look("payout-cancel")
	run(chromedp.Click(chromedp.CSS(`#confirm .danger`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	x.json("/admin/payouts", owner, &ps)
	if len(ps.Payouts) != 2 || ps.Payouts[0].Status+ps.Payouts[1].Status != "canceledpaid" && ps.Payouts[0].Status+ps.Payouts[1].Status != "paidcanceled" {
		t.Errorf("after cancel: %+v", ps.Payouts)
	}
	run(chromedp.Navigate(x.ts.URL+"/admin/payouts"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	look("payouts-after")

	// The affiliates' pages are not the owner's: a page that says so.
	run(chromedp.Navigate(x.ts.URL+"/reports/ledger"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if h := text(`document.querySelector("main h1").textContent`); h != "This page is not for your account" {
		t.Errorf("owner on /reports/ledger sees %q", h)
	}
	look("forbidden")
}

// An affiliate removed from the program file while still owed stays on the
// owner's dashboard as a former one: listed on the Affiliates page, owed
// on the Payouts page, and the owner can open their page and ledger and
// adjust what they are owed.
func TestRemovedAffiliateStaysOnTheOwnersDashboard(t *testing.T) {
	x := dashboard(t)
	src := string(demo.YAML)
	i, j := strings.Index(src, "  - code: kim\n"), strings.Index(src, "payouts:\n")
	if i < 0 || j < i {
		t.Fatal("kim is not in the demo program")
	}
	without, err := program.Parse([]byte(src[:i] + src[j:]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.srv.Store.SaveProgram(context.Background(), without, x.clock()); err != nil {
		t.Fatal(err)
	}
	x.srv.Deps.ProgramChanged()

	// kim is listed as removed; what she is owed is on the Payouts page.
	sums := func() (kim *affiliateRow, active bool, held, owed int64) {
		var bs struct{ Balances []balance }
		x.json("/admin/balances", owner, &bs)
		for _, b := range bs.Balances {
			if b.Affiliate == "kim" {
				held, owed = b.HeldCents, b.AvailableCents
			}
		}
		var rows struct {
			Affiliates []struct {
				affiliateRow
				Name, Email string
				Active      bool
			}
		}
		x.json("/admin/affiliates?month=2026-11", owner, &rows)
		for _, r := range rows.Affiliates {
			if r.Affiliate == "kim" {
				if r.Name != "Kim Lee" || r.Email != "kim@example.com" {
					t.Errorf("kim's row: %+v", r)
				}
				kim, active = &r.affiliateRow, r.Active
			}
		}
		return kim, active, held, owed
	}
	kim, active, held, owed := sums()
	if kim == nil || active || kim.EarnedCents != 1111 || held == 0 || owed == 0 {
		t.Errorf("kim, removed and owed, in the list: %+v, active %v; Payouts page: held %d, payable %d", kim, active, held, owed)
	}
	if _, _, body := x.report("/admin/affiliates?month=2026-11&format=csv", owner, ""); !strings.Contains(body, "\nkim,Kim Lee,kim@example.com,false,") {
		t.Errorf("affiliates CSV lacks former kim: %s", body)
	}
	if _, _, body := x.report("/admin/affiliates?month=2026-11", owner, "text/html"); !strings.Contains(body, "Kim Lee</a> <span class=\"note\">(removed from the program)</span>") {
		t.Errorf("affiliates page does not mark kim as removed")
	}
	if code, _, body := x.report("/admin/affiliates/kim?month=2026-11", owner, "text/html"); code != 200 || !strings.Contains(body, "removed from the program") {
		t.Errorf("kim's page: %d", code)
	}
	ledger := func(want int) {
		t.Helper()
		var led struct {
			Affiliate string
			Entries   []map[string]any
		}
		code, _, body := x.report("/admin/affiliates/kim/ledger?from=2026-10-01&to=2026-11-30", owner, "application/json")
		json.Unmarshal([]byte(body), &led)
		if code != 200 || led.Affiliate != "kim" || len(led.Entries) != want {
			t.Errorf("kim's ledger: %d %s, want %d entries", code, body, want)
		}
	}
	ledger(2)

	// The owner writes off what kim may still be paid; unknown codes stay unknown.
	if owed == 0 {
		t.Fatal("kim is owed nothing payable to write off")
	}
	if code, body := x.call("POST", "/admin/adjustments", owner, "", fmt.Sprintf(`{"id":"write-off-kim","affiliate":"kim","amount_cents":%d,"reason":"left the program"}`, -owed)); code != 201 {
		t.Errorf("write-off for former kim: %d %s", code, body)
	}
	if code, body := x.call("POST", "/admin/adjustments", owner, "", `{"id":"bonus-x","affiliate":"nobody","amount_cents":2500,"reason":"x"}`); code != 422 || !strings.Contains(body, "unknown_affiliate") {
		t.Errorf("unknown affiliate: %d %s", code, body)
	}
	kim, _, held, owed = sums()
	if kim == nil || kim.NetCents != 1111-5880 || held == 0 || owed != 0 {
		t.Errorf("after the write-off: kim %+v; Payouts page: held %d, payable %d", kim, held, owed)
	}
	ledger(3)
}
