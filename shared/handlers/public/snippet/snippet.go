// Package snippet serves GET /t.js, the landing-page script of SPEC 10: it
// keeps a visitor's click token first-party on the business's own site and
// hands it to forms, Stripe Payment Links, a Shopify cart and custom code.
package snippet

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/web/apigw"
)

//go:embed t.js
var source string

// comments and indentation are for people reading t.js; the served script
// is the same code without them.
var comment = regexp.MustCompile(`(?m)^\s*//.*\n|\s*/\*[^*]*\*/|^\s+`)

var minified = comment.ReplaceAllString(source, "")

// Script is the snippet for a program's cookie_days.
func Script(cookieDays int) string {
	return strings.Replace(minified, "__DAYS__", strconv.Itoa(cookieDays), 1)
}

// Handler serves GET /t.js: public, cached for an hour by browsers and
// CDNs (a program change shows within that time).
func Handler(d *app.Deps) apigw.Handler {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		p, err := d.Rules.Get(ctx) // cookie_days: the rules, not the affiliates
		if err != nil {
			return apigw.Error(apigw.Logger(ctx, d.Log, req), fmt.Errorf("program: %w", err)), nil
		}
		return apigw.Response{StatusCode: http.StatusOK, Headers: map[string]string{
			"Content-Type":                "text/javascript; charset=utf-8",
			"Cache-Control":               "public, max-age=3600",
			"X-Content-Type-Options":      "nosniff",
			"Access-Control-Allow-Origin": "*",
		}, Body: Script(p.CookieDays)}, nil
	}
}
