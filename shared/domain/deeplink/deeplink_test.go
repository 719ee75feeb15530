package deeplink

import (
	"net/url"
	"strings"
	"testing"
)

const event = "https://example.com/summit?src=aff"

var allowed = []string{"/summit/", "/speakers/jane"}

func TestResolve(t *testing.T) {
	tests := []struct {
		name, to, want string // want "" means: no deep link, the event URL
	}{
		{"a session page", "/summit/day-2", "https://example.com/summit/day-2"},
		{"with its own query", "/summit/day-2?tab=agenda&x=1", "https://example.com/summit/day-2?tab=agenda&x=1"},
		{"Tally's own parameters in to's query are dropped", "/summit/day-2?sub=x&tab=1&to=/admin&tally_click=forged", "https://example.com/summit/day-2?tab=1"},
		{"with a fragment", "/summit/day-2#talk-3", "https://example.com/summit/day-2#talk-3"},
		{"another allowed prefix", "/speakers/jane/bio", "https://example.com/speakers/jane/bio"},
		{"escaped characters stay escaped", "/summit/day%202", "https://example.com/summit/day%202"},
		{"the prefix itself", "/summit/", "https://example.com/summit/"},
		{"empty", "", ""},
		{"outside the prefixes", "/admin", ""},
		{"the prefix without its slash", "/summit", ""},
		{"relative", "summit/day-2", ""},
		{"absolute URL", "https://evil.example/summit/", ""},
		{"scheme-relative", "//evil.example/summit/", ""},
		{"double slash inside", "/summit//evil.example", ""},
		{"backslash", `/summit/\evil.example`, ""},
		{"backslashes", `/\evil.example/summit/`, ""},
		{"dot-dot", "/summit/../admin", ""},
		{"dot-dot at the end", "/summit/..", ""},
		{"encoded dot-dot", "/summit/%2e%2e/admin", ""},
		{"encoded slash pair", "/summit/%2F%2Fevil.example", ""},
		{"encoded backslash", "/summit/%5cevil.example", ""},
		{"encoded prefix escape", "/summit%2F..%2Fadmin", ""},
		{"scheme in the path", "/summit/javascript:alert(1)", ""},
		{"encoded colon", "/summit/x%3Ay", ""},
		{"control character", "/summit/a\nb", ""},
		{"encoded newline", "/summit/a%0d%0aSet-Cookie:x", ""},
		{"tab", "/summit/\tx", ""},
		{"DEL", "/summit/\x7f", ""},
		{"bad escape", "/summit/%zz", ""},
		{"control character in the query", "/summit/a?x=\r\n", ""},
		{"too long", "/summit/" + strings.Repeat("a", MaxLen), ""},
		{"dot is fine", "/summit/./day-2", "https://example.com/summit/./day-2"},
		{"dots in a name are fine", "/summit/day..2", "https://example.com/summit/day..2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, ok := Resolve(event, allowed, tt.to)
			got := ""
			if ok {
				got = u.String()
			}
			if got != tt.want {
				t.Errorf("Resolve(%q) = %q, want %q", tt.to, got, tt.want)
			}
		})
	}
	if _, ok := Resolve(event, nil, "/summit/day-2"); ok {
		t.Error("an event without allowed_paths has no deep links")
	}
}

func TestCheckPrefix(t *testing.T) {
	for _, p := range []string{"/summit/", "/", "/a-b_c/d"} {
		if err := CheckPrefix(p); err != nil {
			t.Errorf("%q: %v", p, err)
		}
	}
	for _, p := range []string{"", "summit/", "//x/", `/\x`, "/a/../", "/a?b", "/a#b", "/a%2F", "/a:b", "/a\n"} {
		if CheckPrefix(p) == nil {
			t.Errorf("%q accepted", p)
		}
	}
}

// Whatever `to` is, the deep link stays on the event's scheme and host, as
// a browser reads the Location, and holds no character a header cannot.
func FuzzResolveStaysOnTheEventsSite(f *testing.F) {
	for _, s := range []string{"/summit/day-2", "//evil.example", `/summit/\\evil`, "/summit/%2e%2e/", "/summit/a?b=c#d",
		"/summit/%0d%0a", "/summit/@evil.example", "/summit/%2F%2Fevil", "/summit/a?next=//evil", "/summit/#//evil"} {
		f.Add(s)
	}
	base, _ := url.Parse(event)
	f.Fuzz(func(t *testing.T, to string) {
		u, ok := Resolve(event, allowed, to)
		if !ok {
			return
		}
		loc := u.String()
		for i := 0; i < len(loc); i++ {
			if c := loc[i]; c <= ' ' || c >= 0x7f || c == '\\' {
				t.Fatalf("Resolve(%q) = %q holds %q", to, loc, c)
			}
		}
		// A browser resolves Location against the link's own URL.
		r, err := url.Parse("https://go.tally.example/go/summit-2026/jane")
		if err != nil {
			t.Fatal(err)
		}
		got, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("Resolve(%q) = %q does not parse: %v", to, loc, err)
		}
		got = r.ResolveReference(got)
		if got.Scheme != base.Scheme || got.Host != base.Host || got.User != nil {
			t.Fatalf("Resolve(%q) = %q leads to %s://%s", to, loc, got.Scheme, got.Host)
		}
		if q := got.Query(); q.Has("sub") || q.Has("to") || q.Has("tally_click") {
			t.Fatalf("Resolve(%q) = %q passes on Tally's parameters", to, loc)
		}
		if !strings.HasPrefix(got.EscapedPath(), "/summit/") && !strings.HasPrefix(got.EscapedPath(), "/speakers/jane") {
			t.Fatalf("Resolve(%q) = %q is outside the allowed paths", to, loc)
		}
	})
}
