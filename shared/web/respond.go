package web

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
)

// pageHeaders are sent with every page and redirect: nothing from another
// origin, never framed, never cached (a signed-out Back button shows
// nothing).
var pageHeaders = []string{
	"Referrer-Policy", "same-origin",
	"X-Frame-Options", "DENY",
	"Cache-Control", "no-store",
}

// policy is every portal page's Content-Security-Policy: no inline script
// or style, nothing from another origin; images may be data: URLs and,
// for a page that shows them (the resources), the program's image sites.
func policy(imageSources []string) string {
	img := "img-src 'self' data:"
	if len(imageSources) > 0 {
		img += " " + strings.Join(imageSources, " ")
	}
	return "default-src 'none'; style-src 'self'; script-src 'self'; " + img + "; " +
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}

// imageSourcer is a page body that shows images from other sites (the
// program's resources): its policy allows those origins, for images only.
type imageSourcer interface{ ImageSources() []string }

// Render answers a portal page, gzipped when the browser accepts it.
func Render(req apigw.Request, status int, name string, p portal.Page) (apigw.Response, error) {
	html, err := portal.Execute(name, p)
	if err != nil {
		return apigw.Response{}, err
	}
	var imgs []string
	if is, ok := p.Body.(imageSourcer); ok {
		imgs = is.ImageSources()
	}
	resp := apigw.Reply(status, "text/html; charset=utf-8", html,
		append([]string{"Vary", "Accept-Encoding", "Content-Security-Policy", policy(imgs)}, pageHeaders...)...)
	return apigw.Compress(req, resp), nil
}

// Bare answers a page outside the portal's layout (the unsubscribe pages,
// reached from a mail without a session): a few words and at most a form
// back to this site.
func Bare(status int, body string) apigw.Response {
	return apigw.Reply(status, "text/html; charset=utf-8",
		"<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content=\"width=device-width\"><title>Tally mail</title>"+body+"</html>",
		"Cache-Control", "no-store", "Referrer-Policy", "same-origin",
		"Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'")
}

// Forbidden answers a signed-in person on the other portal's page: 403,
// saying whose pages these are and where theirs are.
func Forbidden(req apigw.Request, who string, owner bool) (apigw.Response, error) {
	return Render(req, http.StatusForbidden, "forbidden", portal.Page{Title: "Not your page", Who: who, Body: owner})
}

// Redirect answers 303 See Other to a local path, setting cookies; it
// carries a page's headers.
func Redirect(location string, cookies ...string) apigw.Response {
	h := map[string]string{"Location": location, "Content-Security-Policy": policy(nil), "X-Content-Type-Options": "nosniff"}
	for i := 0; i+1 < len(pageHeaders); i += 2 {
		h[pageHeaders[i]] = pageHeaders[i+1]
	}
	return apigw.Response{StatusCode: http.StatusSeeOther, Headers: h, Cookies: cookies}
}

// Error answers an error by its kind with the spec's JSON error body; an
// error without a kind is logged and becomes a 500 that reveals nothing.
func Error(log *slog.Logger, err error) apigw.Response { return apigw.Error(log, err) }

// Compressed answers v as JSON, gzipped when the client accepts it (a
// report's or an owner page's data).
func Compressed(req apigw.Request, v any) apigw.Response {
	return apigw.Compress(req, apigw.JSON(http.StatusOK, v))
}

// Download answers a CSV file, gzipped when the client accepts it.
func Download(req apigw.Request, name string, csv []byte) apigw.Response {
	return apigw.Compress(req, apigw.CSV(name, csv))
}
