// Package portal renders the affiliate portal: the report URLs as pages for
// a browser, and the email sign-in pages. Server-rendered html/template,
// charts and QR codes as inline SVG, one stylesheet and one small script
// served from the binary under hashed names; no third-party anything.
package portal

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"strings"
)

//go:embed templates
var templateFS embed.FS

// Page is what the layout needs; Body is the view's own data.
type Page struct {
	Title  string
	Who    string // the signed-in affiliate's name; "" on sign-in pages
	Nav    string // the active view: ledger, link-stats, ...; "" hides the menu
	Query  string // the period, kept when moving between views ("?month=2026-11")
	Zone   string // the program's time zone
	Script bool   // include the copy-button script
	Owner  bool   // the owner's pages: their own navigation
	CSRF   string // the session's form token, carried by the page's forms (field "csrf")
	Body   any
}

var funcs = template.FuncMap{"asset": AssetURL}

// pages holds one template set per page: the layout plus the page.
var pages = func() map[string]*template.Template {
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/period.html", "templates/parts.html"))
	m := map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		if strings.HasSuffix(n, "/layout.html") || strings.HasSuffix(n, "/period.html") || strings.HasSuffix(n, "/parts.html") {
			continue
		}
		t := template.Must(template.Must(layout.Clone()).ParseFS(templateFS, n))
		m[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return m
}()

// Execute lays out a page: the layout around the named page's template.
func Execute(name string, p Page) (string, error) {
	t, ok := pages[name]
	if !ok {
		return "", &missingPage{name}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return "", err
	}
	return buf.String(), nil
}

type missingPage struct{ name string }

func (e *missingPage) Error() string { return "portal: no page " + e.name }
