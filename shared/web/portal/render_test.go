package portal

import (
	"strings"
	"testing"
)

func page(t *testing.T, name string, body any) string {
	t.Helper()
	html, err := Execute(name, Page{Title: "T", Who: "Jane <b>Doe</b>", Nav: name, Zone: "America/New_York", Script: true, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	return html
}

func TestMarkupInNamesRendersAsText(t *testing.T) {
	evil := `<script>alert("x")</script>`
	html := page(t, "links", LinksView{Links: []LinkCard{{Event: evil, URL: "https://x/go/a/b", ShortURL: "https://x/s/abc", Destination: "https://example.com"}}})
	if strings.Contains(html, evil) || !strings.Contains(html, "&lt;script&gt;") {
		t.Error("event name not escaped")
	}
	html = page(t, "products-sold", ProductsView{Rows: []ProductRow{{Product: evil, Event: evil}}})
	if strings.Contains(html, evil) {
		t.Error("product name not escaped")
	}
	if strings.Contains(html, "<b>Doe</b>") {
		t.Error("affiliate name not escaped")
	}
}
