// Package clicks serves the affiliate links: redirects, short links, click
// tokens and hit counting (SPEC section 3).
package clicks

import (
	"context"

	"github.com/tallyhq/tally/shared/apierr"
	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/app"
)

// Long serves GET /go/{event}/{affiliate}.
func Long(d *app.Deps) apigw.Handler { return notYet(d, "GET /go/{event}/{affiliate}") }

// Short serves GET /s/{code}.
func Short(d *app.Deps) apigw.Handler { return notYet(d, "GET /s/{code}") }

func notYet(d *app.Deps, what string) apigw.Handler {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		return apigw.Error(d.Log, apierr.NotImplemented(what)), nil
	}
}
