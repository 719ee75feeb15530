package clicks_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/eventfile"
	"github.com/tallyhq/tally/infra/memclicks"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/public/clicks"
)

func memHandler(tb testing.TB) (*clicks.Handler, *program.Program) {
	p := demo.Program()
	p.Links = []program.Link{{Event: "summit-2026", Affiliate: "jane", Code: "pTk4zarg"}, {Event: "retreat-2026", Affiliate: "jane", Code: "e2kfhhw9"}}
	p.IndexLinks()
	return memclicks.New(p, clickKey), p
}

// FuzzClickPaths: whatever the path, no panic, and the Location is the
// fallback or a configured event URL with a query.
func FuzzClickPaths(f *testing.F) {
	h, p := memHandler(f)
	for _, s := range []string{"summit-2026", "jane", "pTk4zarg", "", "..", "//evil.example", "https://evil.example/x", "%2F%2F", "a\x00b", "summit-2026?x=1"} {
		f.Add(s, s, s, "utm_source=x")
	}
	allowed := map[string]bool{p.FallbackURL: true}
	for _, e := range p.Events {
		allowed[e.URL] = true
	}
	f.Fuzz(func(t *testing.T, event, aff, code, query string) {
		req := eventfile.Load(t, "click-long")
		req.RawQueryString = query
		req.PathParameters = map[string]string{"event": event, "affiliate": aff}
		r1, err := h.Long(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		req.PathParameters = map[string]string{"code": code}
		r2, err := h.Short(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []string{r1.Headers["Location"], r2.Headers["Location"]} {
			base, _, _ := strings.Cut(r, "?")
			if !allowed[base] {
				t.Fatalf("Location %q is no configured URL", r)
			}
			if u, err := url.Parse(r); err != nil || u.Host != "example.com" {
				t.Fatalf("Location %q leaves the configured host", r)
			}
		}
	})
}

// BenchmarkClick compares the click handler (event in, response out, the
// counter write in memory) with a bare net/http redirect, in one run.
func BenchmarkClick(b *testing.B) {
	h, _ := memHandler(b)
	req := eventfile.Load(b, "click-long")
	ctx := context.Background()
	b.Run("handler", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.Long(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://example.com/summit?utm_source=newsletter", http.StatusFound)
	})
	hr := httptest.NewRequest("GET", "/go/summit-2026/jane?utm_source=newsletter", nil)
	b.Run("bare-http-redirect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bare.ServeHTTP(httptest.NewRecorder(), hr)
		}
	})
}
