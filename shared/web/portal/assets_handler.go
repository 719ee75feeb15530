package portal

import (
	"context"
	"net/http"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Assets serves GET /assets/{name}: the stylesheet and the script, from the
// binary, under content-hashed names cached for a year.
func Assets(d *app.Deps) apigw.Handler {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		a, ok := LookupAsset(req.PathParameters["name"])
		if !ok {
			return apigw.Reply(http.StatusNotFound, "text/plain; charset=utf-8", "not found"), nil
		}
		return apigw.Compress(req, apigw.Reply(http.StatusOK, a.ContentType, string(a.Body),
			"Cache-Control", "public, max-age=31536000, immutable", "Vary", "Accept-Encoding")), nil
	}
}
