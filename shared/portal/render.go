// Package portal renders the affiliate portal: the report URLs as pages for
// a browser, and the email sign-in pages. Server-rendered html/template,
// charts and QR codes as inline SVG, one stylesheet and one small script
// served from the binary under hashed names; no third-party anything.
package portal

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/base64"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/tallyhq/tally/shared/apigw"
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

// Forbidden answers a signed-in person on the other portal's page: 403,
// saying whose pages these are and where theirs are.
func Forbidden(req apigw.Request, who string, owner bool) (apigw.Response, error) {
	return Render(req, http.StatusForbidden, "forbidden", Page{Title: "Not your page", Who: who, Body: owner})
}

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

// SecurityHeaders are sent with every page: no inline script, nothing from
// another origin, never framed, never cached (a signed-out Back button shows
// nothing).
var SecurityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; " +
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	"X-Content-Type-Options": "nosniff",
	"Referrer-Policy":        "same-origin",
	"X-Frame-Options":        "DENY",
	"Cache-Control":          "no-store",
}

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

// Render answers a page, gzipped when the browser accepts it (an HTTP API
// does not compress).
func Render(req apigw.Request, status int, name string, p Page) (apigw.Response, error) {
	t, ok := pages[name]
	if !ok {
		return apigw.Response{}, &missingPage{name}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return apigw.Response{}, err
	}
	h := map[string]string{"Content-Type": "text/html; charset=utf-8", "Vary": "Accept-Encoding"}
	for k, v := range SecurityHeaders {
		h[k] = v
	}
	if is, ok := p.Body.(imageSourcer); ok && len(is.ImageSources()) > 0 {
		h["Content-Security-Policy"] = strings.Replace(h["Content-Security-Policy"], "img-src 'self' data:",
			"img-src 'self' data: "+strings.Join(is.ImageSources(), " "), 1)
	}
	return Compress(req, apigw.Response{StatusCode: status, Headers: h, Body: buf.String()}), nil
}

// imageSourcer is a page body that shows images from other sites (the
// program's resources): its policy allows those origins, for images only.
type imageSourcer interface{ ImageSources() []string }

type missingPage struct{ name string }

func (e *missingPage) Error() string { return "portal: no page " + e.name }

// Compress gzips a response body when the request accepts gzip and the body
// is worth it.
func Compress(req apigw.Request, r apigw.Response) apigw.Response {
	if len(r.Body) < 1024 || r.IsBase64Encoded || !strings.Contains(apigw.Header(req, "Accept-Encoding"), "gzip") {
		return r
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	_, _ = zw.Write([]byte(r.Body))
	_ = zw.Close()
	r.Body = base64.StdEncoding.EncodeToString(buf.Bytes())
	r.IsBase64Encoded = true
	r.Headers["Content-Encoding"] = "gzip"
	return r
}

// Format is how to answer: ?format= wins, then Accept (CSV, or a page for
// a browser); else JSON.
func Format(req apigw.Request) string {
	switch req.QueryStringParameters["format"] {
	case "csv":
		return "csv"
	case "json":
		return "json"
	}
	accept := apigw.Header(req, "Accept")
	if strings.Contains(accept, "text/csv") && !strings.Contains(accept, "text/html") {
		return "csv"
	}
	if WantsHTML(req) {
		return "html"
	}
	return "json"
}

// WantsHTML says whether a request prefers a page to JSON: a browser
// navigating sends Accept with text/html before any JSON.
func WantsHTML(req apigw.Request) bool {
	accept := apigw.Header(req, "Accept")
	html := strings.Index(accept, "text/html")
	if html < 0 {
		return false
	}
	j := strings.Index(accept, "application/json")
	return j < 0 || html < j
}

// Redirect answers 303 See Other to a local path.
func Redirect(location string, cookies ...string) apigw.Response {
	h := map[string]string{"Location": location}
	for k, v := range SecurityHeaders {
		h[k] = v
	}
	return apigw.Response{StatusCode: http.StatusSeeOther, Headers: h, Cookies: cookies}
}
