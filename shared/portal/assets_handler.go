package portal

import (
	"context"
	"net/http"

	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/app"
)

// Assets serves GET /assets/{name}: the stylesheet and the script, from the
// binary, under content-hashed names cached for a year.
func Assets(d *app.Deps) apigw.Handler {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		a, ok := LookupAsset(req.PathParameters["name"])
		if !ok {
			return apigw.Response{StatusCode: http.StatusNotFound, Headers: map[string]string{
				"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff",
			}, Body: "not found"}, nil
		}
		return Compress(req, apigw.Response{StatusCode: http.StatusOK, Headers: map[string]string{
			"Content-Type":           a.ContentType,
			"Cache-Control":          "public, max-age=31536000, immutable",
			"X-Content-Type-Options": "nosniff",
			"Vary":                   "Accept-Encoding",
		}, Body: string(a.Body)}), nil
	}
}
