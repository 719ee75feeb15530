package web

import (
	"strings"
	"testing"

	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
)

func page(t *testing.T, name string, body any) (apigw.Response, string) {
	t.Helper()
	r, err := Render(apigw.Request{}, 200, name, portal.Page{Title: "T", Who: "Jane <b>Doe</b>", Nav: name, Zone: "America/New_York", Script: true, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	return r, r.Body
}

// Moved here from package portal with the headers it pins.
func TestEveryPageRendersWithHeaders(t *testing.T) {
	for name, body := range map[string]any{
		"ledger": portal.LedgerView{}, "link-stats": portal.LinkStatsView{}, "products-sold": portal.ProductsView{},
		"commission-structure": portal.CommissionView{}, "links": portal.LinksView{},
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
		if !strings.Contains(html, portal.AssetURL("style.css")) {
			t.Errorf("%s: no stylesheet", name)
		}
	}
}

func TestEveryPageAndRedirectCarriesThePageHeaders(t *testing.T) {
	const csp = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	want := map[string]string{"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
		"X-Frame-Options": "DENY", "Cache-Control": "no-store"}
	r, _ := page(t, "login", struct{ Email, Next, Flash string }{})
	redirect := Redirect("/login", "a=b")
	for k, v := range want {
		if r.Headers[k] != v || redirect.Headers[k] != v {
			t.Errorf("%s: page %q, redirect %q, want %q", k, r.Headers[k], redirect.Headers[k], v)
		}
	}
	if r.Headers["Content-Type"] != "text/html; charset=utf-8" || r.Headers["Vary"] != "Accept-Encoding" || len(r.Headers) != 7 {
		t.Errorf("page headers %v", r.Headers)
	}
	if redirect.StatusCode != 303 || redirect.Headers["Location"] != "/login" || len(redirect.Headers) != 6 || redirect.Cookies[0] != "a=b" {
		t.Errorf("redirect %+v", redirect)
	}
}

func TestResourcesPageMayShowTheProgramsImages(t *testing.T) {
	r, _ := page(t, "resources", portal.ResourcesView{ImageOrigins: []string{"https://img.example", "https://cdn.example"}})
	if !strings.Contains(r.Headers["Content-Security-Policy"], "img-src 'self' data: https://img.example https://cdn.example; form-action") {
		t.Errorf("policy %q", r.Headers["Content-Security-Policy"])
	}
}

func TestBarePagesHaveTheirOwnNarrowPolicy(t *testing.T) {
	r := Bare(403, "This link is not valid.")
	if r.Headers["Content-Security-Policy"] != "default-src 'none'; form-action 'self'; frame-ancestors 'none'" || r.Headers["Referrer-Policy"] != "same-origin" ||
		r.Headers["Cache-Control"] != "no-store" || r.Headers["X-Content-Type-Options"] != "nosniff" || len(r.Headers) != 5 || !strings.HasSuffix(r.Body, "This link is not valid.</html>") {
		t.Errorf("bare page %+v", r)
	}
}
