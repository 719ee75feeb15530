package portal

import (
	"strings"
	"testing"

	"github.com/tallyhq/tally/shared/apigw"
)

func page(t *testing.T, name string, body any) (apigw.Response, string) {
	t.Helper()
	r, err := Render(apigw.Request{}, 200, name, Page{Title: "T", Who: "Jane <b>Doe</b>", Nav: name, Zone: "America/New_York", Script: true, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	return r, r.Body
}

func TestMarkupInNamesRendersAsText(t *testing.T) {
	evil := `<script>alert("x")</script>`
	_, html := page(t, "links", LinksView{Links: []LinkCard{{Event: evil, URL: "https://x/go/a/b", ShortURL: "https://x/s/abc", Destination: "https://example.com"}}})
	if strings.Contains(html, evil) || !strings.Contains(html, "&lt;script&gt;") {
		t.Error("event name not escaped")
	}
	_, html = page(t, "products-sold", ProductsView{Rows: []ProductRow{{Product: evil, Event: evil}}})
	if strings.Contains(html, evil) {
		t.Error("product name not escaped")
	}
	if strings.Contains(html, "<b>Doe</b>") {
		t.Error("affiliate name not escaped")
	}
}

func TestEveryPageRendersWithHeaders(t *testing.T) {
	for name, body := range map[string]any{
		"ledger": LedgerView{}, "link-stats": LinkStatsView{}, "products-sold": ProductsView{},
		"commission-structure": CommissionView{}, "links": LinksView{},
		"login": struct{ Email, Next, Flash string }{}, "check-email": struct{ Email, Next, Flash, Attempt string }{},
		"confirm": struct{ Name, Email, Token string }{}, "link-dead": struct{ Email, Next string }{},
	} {
		r, html := page(t, name, body)
		if r.Headers["Content-Security-Policy"] == "" || r.Headers["X-Content-Type-Options"] != "nosniff" ||
			r.Headers["Cache-Control"] != "no-store" || !strings.Contains(r.Headers["Content-Security-Policy"], "frame-ancestors 'none'") {
			t.Errorf("%s: headers %v", name, r.Headers)
		}
		if strings.Contains(html, "<script>") || strings.Contains(html, " style=") || strings.Contains(html, "onclick") {
			t.Errorf("%s: inline script or style", name)
		}
		if !strings.Contains(html, AssetURL("style.css")) {
			t.Errorf("%s: no stylesheet", name)
		}
	}
}
