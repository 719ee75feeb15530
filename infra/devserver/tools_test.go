package devserver_test

import (
	"context"
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
		"to=/summit/a%3Fb", "to=/summit/x&to=//evil", "sub=x&to=/summit/x#//evil", "to=/summit/%09", "to=/\\/evil", "to=http:/summit/", "to=/summit/%5c"} {
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
