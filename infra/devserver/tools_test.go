package devserver_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/devserver"
)

// visit follows a link as a phone would and returns the Location.
func (x *tally) visit(path string) *url.URL {
	x.t.Helper()
	req, _ := http.NewRequest("GET", x.ts.URL+path, nil)
	req.Header.Set("User-Agent", iPhone)
	resp, err := x.client.Do(req)
	if err != nil {
		x.t.Fatal(err)
	}
	resp.Body.Close()
	u, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || err != nil {
		x.t.Fatalf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Location"))
	}
	return u
}

func (x *tally) setClock(t time.Time) { x.mu.Lock(); x.now = t; x.mu.Unlock() }

// where is a Location without the click token, which changes every click.
func where(u *url.URL) string {
	q := u.Query()
	q.Del("tally_click")
	c := *u
	c.RawQuery = q.Encode()
	return strings.TrimSuffix(c.String(), "?")
}

// SPEC 13, deep links: ?to= within the event's allowed_paths leads to that
// page on the event's site, with to's own query, the visitor's parameters
// and the token; anything else leads to the event URL; to and sub are never
// passed on.
func TestDeepLinksThroughTheDevServer(t *testing.T) {
	x := start(t)
	l, _ := x.srv.Program.LinkFor("summit-2026", "jane")
	for _, tt := range []struct{ link, want string }{
		{"/go/summit-2026/jane?to=/summit/day-2", "https://example.com/summit/day-2"},
		{"/s/" + l.Code + "?to=/summit/day-2", "https://example.com/summit/day-2"},
		{"/go/summit-2026/jane?to=" + url.QueryEscape("/summit/day-2?tab=agenda") + "&utm_source=podcast", "https://example.com/summit/day-2?tab=agenda&utm_source=podcast"},
		{"/go/summit-2026/jane?sub=Podcast&to=/summit/day-2#talk-3", "https://example.com/summit/day-2"},
		{"/go/summit-2026/jane?to=" + url.QueryEscape("/summit/day-2#talk-3"), "https://example.com/summit/day-2#talk-3"},
		{"/go/summit-2026/jane?to=/summit/day%25202", "https://example.com/summit/day%202"},
		// anything else: the event URL itself
		{"/go/summit-2026/jane?to=/admin", "https://example.com/summit"},
		{"/go/summit-2026/jane?to=https://evil.example/summit/", "https://example.com/summit"},
		{"/go/summit-2026/jane?to=//evil.example/summit/", "https://example.com/summit"},
		{"/go/summit-2026/jane?to=/summit/..%2F..%2Fadmin", "https://example.com/summit"},
		{"/go/summit-2026/jane?to=/summit/%252e%252e/admin", "https://example.com/summit"},
		{"/go/summit-2026/jane?to=/summit/%5C%5Cevil.example", "https://example.com/summit"},
		{"/go/summit-2026/jane?to=/summit/%0d%0aSet-Cookie:%20x=1", "https://example.com/summit"},
		{"/go/summit-2026/jane?to=javascript:alert(1)", "https://example.com/summit"},
		{"/go/summit-2026/jane?to=", "https://example.com/summit"},
		// an event without allowed_paths has no deep links
		{"/go/retreat-2026/jane?to=/retreat/day-2", "https://example.com/retreat"},
		// the fallback never takes a deep link
		{"/go/gut-2026/jane?to=/summit/day-2", "https://example.com/"},
	} {
		u := x.visit(tt.link)
		if got := where(u); got != tt.want {
			t.Errorf("%s leads to %s, want %s", tt.link, got, tt.want)
		}
		if q := u.Query(); q.Has("to") || q.Has("sub") {
			t.Errorf("%s passed on to or sub: %s", tt.link, u)
		}
		if u.Host == "example.com" && tt.want != "https://example.com/" && u.Query().Get("tally_click") == "" {
			t.Errorf("%s: no click token", tt.link)
		}
	}
}

// SPEC 13, phases: from a phase's date in the program's zone (New York),
// the event's links lead to its URL.
func TestPhasesFollowTheProgramsZone(t *testing.T) {
	x := start(t)
	for _, tt := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 12, 14, 12, 0, 0, 0, time.UTC), "https://example.com/summit"},
		{time.Date(2026, 12, 15, 4, 59, 0, 0, time.UTC), "https://example.com/summit"}, // 23:59 on Dec 14 in New York
		{time.Date(2026, 12, 15, 5, 0, 0, 0, time.UTC), "https://example.com/summit/replays"},
		{time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC), "https://example.com/summit/replays"},
	} {
		x.setClock(tt.at)
		if got := where(x.visit("/go/summit-2026/jane?utm_source=list")); got != tt.want+"?utm_source=list" {
			t.Errorf("at %s: %s, want %s", tt.at, got, tt.want)
		}
	}
	// A deep link still leads to its page, on the event's own site.
	if got := where(x.visit("/go/summit-2026/jane?to=/summit/day-2")); got != "https://example.com/summit/day-2" {
		t.Errorf("deep link after the phase: %s", got)
	}
}

// Whatever a link's query holds, the dev server's redirect leads to the
// event's own site (or the fallback), never elsewhere. `go test -fuzz
// FuzzNoToLeavesTheEventsSite ./infra/devserver/` explores further; HEAD
// requests redirect like GET but count nothing, so the store stays idle.
func FuzzNoToLeavesTheEventsSite(f *testing.F) {
	for _, s := range []string{"to=/summit/day-2", "to=//evil.example", "to=/summit/%2e%2e/x", "to=%2Fsummit%2F%2F", "to=/summit/@evil",
		"to=/summit/a%3Fb", "to=/summit/x&to=//evil", "to=/summit/x%3Fsub%3D1%26to%3D%2Fa", "sub=x&to=/summit/x#//evil", "to=/summit/%09", "to=/\\/evil", "to=http:/summit/", "to=/summit/%5c"} {
		f.Add(s)
	}
	srv, err := devserver.New(context.Background(), devserver.Options{Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, query string) {
		if strings.ContainsAny(query, " \x00\r\n#") || len(query) > 2000 {
			return // not a request line an HTTP client sends
		}
		if _, err := url.ParseRequestURI("/go/summit-2026/jane?" + query); err != nil {
			return
		}
		req := httptest.NewRequest("HEAD", "http://go.tally.test/go/summit-2026/jane?"+query, nil)
		req.Header.Set("User-Agent", iPhone)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		loc := rec.Header().Get("Location")
		if rec.Code != 302 {
			t.Fatalf("?%s: %d", query, rec.Code)
		}
		for i := 0; i < len(loc); i++ {
			if c := loc[i]; c <= ' ' || c >= 0x7f || c == '\\' {
				t.Fatalf("?%s: Location %q holds %q", query, loc, c)
			}
		}
		u, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("?%s: Location %q: %v", query, loc, err)
		}
		u = req.URL.ResolveReference(u) // as a browser reads it
		if u.Scheme != "https" || u.Host != "example.com" || u.User != nil {
			t.Fatalf("?%s leads to %s", query, loc)
		}
		if p := u.EscapedPath(); p != "/summit" && p != "/summit/replays" && !strings.HasPrefix(p, "/summit/") {
			t.Fatalf("?%s leads to %s, outside the allowed paths", query, loc)
		}
		if q := u.Query(); q.Has("to") || q.Has("sub") || len(q["tally_click"]) != 1 {
			t.Fatalf("?%s: Location %s", query, loc)
		}
	})
}

// SPEC 13, channel tags through the dev server: normalized, not passed on,
// counted per tag; an opt-in and an order through a tagged click count on
// its tag, and so does a later order the contact brings; ledger entries
// say the tag (null when none); the rows per tag add up to the event's.
func TestChannelTagsThroughTheDevServer(t *testing.T) {
	x := start(t)
	l, _ := x.srv.Program.LinkFor("summit-2026", "jane")
	podcast := x.click("/go/summit-2026/jane?sub=Podcast&utm_source=show")
	x.click("/s/" + l.Code + "?sub=podcast")
	ig := x.click("/go/summit-2026/jane?sub=IG")
	for _, q := range []string{"", "?sub=", "?sub=ig.story", "?sub=" + strings.Repeat("x", 33), "?sub=%E2%84%AAnstagram", "?sub=ig%20story"} {
		x.click("/go/summit-2026/jane" + q) // counted without a tag
	}
	x.click("/go/retreat-2026/jane?sub=podcast")
	if u := x.visit("/go/summit-2026/jane?sub=Podcast&utm_source=show"); u.Query().Has("sub") || u.Query().Get("utm_source") != "show" {
		t.Errorf("Location %s", u)
	}
	x.webhook("/webhooks/optins", fmt.Sprintf(`{"id":"oi-1","occurred_at":%q,"event":"summit-2026","contact":{"email":"pat@example.org"},"click":%q}`, x.at(), podcast))
	x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"o-ig","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"sam@example.org"},"click":%q,"items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700}]}`, x.at(), ig))
	// Pat, who opted in through the podcast link, buys later without a click.
	x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"o-pat","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"pat@example.org"},"items":[{"sku":"RET26-REC","quantity":1,"unit_price_cents":9700}]}`, x.at()))
	// An order that only names jane has no tag.
	x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"o-named","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"lee@example.org"},"affiliate":"jane","items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700}]}`, x.at()))
	x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"r-ig","type":"order.refunded","occurred_at":%q,"order_id":"o-ig"}`, x.at()))

	var ls struct {
		Links []map[string]any
		Subs  []map[string]any
	}
	x.json("/reports/link-stats?month=2026-11&by=sub", "dev-jane-key", &ls)
	var got []string
	for _, s := range ls.Subs {
		got = append(got, fmt.Sprint(s["event"], " ", s["sub"], " ", s["hits"], " ", s["opt_ins"], " ", s["orders"], " ", s["revenue_cents"]))
	}
	want := []string{
		"summit-2026 <nil> 6 0 1 9700", // the named order counts on jane's first matching event, untagged
		"summit-2026 ig 1 0 1 9700",
		"summit-2026 podcast 3 1 1 9700", // Pat's later order came through the podcast opt-in
		"retreat-2026 <nil> 0 0 0 0",
		"retreat-2026 podcast 1 0 0 0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("subs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, l := range ls.Links {
		var hits, optins, orders, revenue float64
		for _, s := range ls.Subs {
			if s["event"] == l["event"] {
				hits, optins, orders, revenue = hits+s["hits"].(float64), optins+s["opt_ins"].(float64), orders+s["orders"].(float64), revenue+s["revenue_cents"].(float64)
			}
		}
		if l["hits"] != hits || l["opt_ins"] != optins || l["orders"] != orders || l["revenue_cents"] != revenue {
			t.Errorf("%v: the tags add up to %v %v %v %v", l, hits, optins, orders, revenue)
		}
	}
	// Without by=sub the answer is as before.
	var plain map[string]any
	x.json("/reports/link-stats?month=2026-11", "dev-jane-key", &plain)
	if _, ok := plain["subs"]; ok {
		t.Error("subs without by=sub")
	}
	code, _, csv := x.report("/reports/link-stats?month=2026-11&by=sub&format=csv", "dev-jane-key", "")
	if code != 200 || !strings.HasPrefix(csv, "event,sub,hits,opt_ins,orders,revenue_cents\nsummit-2026,,6,0,1,9700\nsummit-2026,ig,1,0,1,9700\n") {
		t.Errorf("CSV by tag: %d\n%s", code, csv)
	}

	var led struct{ Entries []map[string]any }
	x.json("/reports/ledger?month=2026-11", "dev-jane-key", &led)
	subs := map[string]any{}
	for _, e := range led.Entries {
		v, ok := e["sub"]
		if !ok {
			t.Errorf("entry without a sub field: %v", e)
		}
		subs[e["id"].(string)] = v
	}
	for id, want := range map[string]any{"o:o-ig:SUM26-REC:referral": "ig", "r:r-ig:SUM26-REC:referral": "ig",
		"o:o-pat:RET26-REC:referral": "podcast", "o:o-named:SUM26-REC:referral": nil} {
		if v, ok := subs[id]; !ok || v != want {
			t.Errorf("entry %s: sub %v, want %v (entries %v)", id, v, want, subs)
		}
	}
	code, _, csv = x.report("/reports/ledger?month=2026-11&format=csv", "dev-jane-key", "")
	if lines := strings.Split(csv, "\n"); code != 200 || !strings.HasSuffix(lines[0], ",reason,sub,coupon") || !strings.Contains(csv, ",ig,\n") {
		t.Errorf("ledger CSV: %s", csv)
	}
}

// SPEC 13, resources: each affiliate gets their events' resources in
// program order, filled in with their own name and links, as JSON, CSV and
// a page; nobody else's.
func TestResourcesAreFilledInPerAffiliate(t *testing.T) {
	x := start(t)
	type res struct {
		Affiliate string
		Resources []map[string]string
	}
	short := func(event, aff string) string {
		l, _ := x.srv.Program.LinkFor(event, aff)
		return x.ts.URL + "/s/" + l.Code
	}
	var jane, bob, kim res
	x.json("/reports/resources", "dev-jane-key", &jane)
	x.json("/reports/resources", "dev-bob-key", &bob)
	x.json("/reports/resources", "dev-kim-key", &kim)
	var ids []string
	for _, r := range jane.Resources {
		ids = append(ids, r["event"]+"/"+r["id"]+"/"+r["kind"])
	}
	if jane.Affiliate != "jane" || strings.Join(ids, " ") != "summit-2026/launch-email/email summit-2026/instagram-post/post summit-2026/banner/image retreat-2026/reminder/text" {
		t.Fatalf("jane's resources: %v", ids)
	}
	email := jane.Resources[0]
	if email["subject"] != "Health Summit 2026 starts today" || !strings.Contains(email["body"], "Save your seat here: "+short("summit-2026", "jane")+"\n") ||
		!strings.HasSuffix(email["body"], "See you there,\nJane Doe\n") || strings.Contains(email["body"], "{{") {
		t.Errorf("jane's email: %q / %q", email["subject"], email["body"])
	}
	if r := jane.Resources[3]; r["body"] != "Last chance: the Sleep Retreat 2026 replays are free until Sunday. "+x.ts.URL+"/go/retreat-2026/jane" {
		t.Errorf("jane's reminder: %q", r["body"])
	}
	if r := jane.Resources[2]; r["image_url"] != "https://example.com/summit/banner.png" || r["body"] != "" || r["subject"] != "" {
		t.Errorf("banner: %v", r)
	}
	if len(bob.Resources) != 3 || !strings.Contains(bob.Resources[1]["body"], short("summit-2026", "bob")) || strings.Contains(fmt.Sprint(bob), short("summit-2026", "jane")) {
		t.Errorf("bob's resources: %v", bob.Resources)
	}
	if strings.Contains(fmt.Sprint(jane), short("summit-2026", "bob")) || strings.Contains(fmt.Sprint(jane), "Bob") {
		t.Error("jane's resources show bob's")
	}
	if kim.Affiliate != "kim" || len(kim.Resources) != 0 {
		t.Errorf("kim (gut-2026 has none): %v", kim)
	}
	code, h, csv := x.report("/reports/resources?format=csv", "dev-jane-key", "")
	if code != 200 || !strings.Contains(h.Get("Content-Disposition"), `filename="tally-resources.csv"`) ||
		!strings.HasPrefix(csv, "event,id,kind,title,subject,body,image_url\nsummit-2026,launch-email,email,Launch day email,Health Summit 2026 starts today,\"Hi friend,") {
		t.Errorf("CSV: %d %v\n%s", code, h, csv)
	}
	// The page allows the resources' images, and only from their site.
	code, h, page := x.report("/reports/resources", "dev-jane-key", "text/html")
	if code != 200 || !strings.Contains(h.Get("Content-Security-Policy"), "img-src 'self' data: https://example.com;") ||
		!strings.Contains(page, `<img src="https://example.com/summit/banner.png" alt="Summit banner (1200 × 630)"`) {
		t.Errorf("page: %d %s", code, h.Get("Content-Security-Policy"))
	}
	if _, h, _ := x.report("/reports/links", "dev-jane-key", "text/html"); strings.Contains(h.Get("Content-Security-Policy"), "example.com") {
		t.Error("another page allows the resources' images")
	}
}

// The Link Generator shows where each link leads today and later, and
// builds a tagged (and deep) link with the click path's own rules.
func TestLinkGeneratorBuildsTaggedLinks(t *testing.T) {
	x := start(t)
	var links struct{ Links []map[string]any }
	x.json("/reports/links", "dev-jane-key", &links)
	if s := links.Links[0]; s["destination"] != "https://example.com/summit" || fmt.Sprint(s["upcoming"]) != "[map[from:2026-12-15 url:https://example.com/summit/replays]]" {
		t.Errorf("summit: %v", s)
	}
	if r := links.Links[1]; fmt.Sprint(r["upcoming"]) != "[]" {
		t.Errorf("retreat: %v", r)
	}
	x.setClock(time.Date(2026, 12, 20, 12, 0, 0, 0, time.UTC))
	x.json("/reports/links", "dev-jane-key", &links)
	if s := links.Links[0]; s["destination"] != "https://example.com/summit/replays" || fmt.Sprint(s["upcoming"]) != "[]" {
		t.Errorf("summit in December: %v", s)
	}
	l, _ := x.srv.Program.LinkFor("summit-2026", "jane")
	_, _, page := x.report("/reports/links?event=summit-2026&sub=Podcast&to=/summit/day-2", "dev-jane-key", "text/html")
	for _, want := range []string{
		`<code>` + x.ts.URL + `/s/` + l.Code + `?sub=podcast&amp;to=%2Fsummit%2Fday-2</code>`,
		`<code>` + x.ts.URL + `/go/summit-2026/jane?sub=podcast&amp;to=%2Fsummit%2Fday-2</code>`,
		`Leads today to <a href="https://example.com/summit/day-2"`,
		`Tagged “podcast”`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("built link page lacks %s", want)
		}
	}
	// What the page built leads where it says.
	if got := where(x.visit("/s/" + l.Code + "?sub=podcast&to=%2Fsummit%2Fday-2")); got != "https://example.com/summit/day-2" {
		t.Errorf("the built link leads to %s", got)
	}
	_, _, page = x.report("/reports/links?event=summit-2026&sub=ig+story&to=//evil.example/", "dev-jane-key", "text/html")
	if !strings.Contains(page, "A tag is 1 to 32 letters") || !strings.Contains(page, "only to pages under /summit/") || strings.Contains(page, "evil.example</code>") {
		t.Error("a bad tag and page are not explained")
	}
}
