// Package webhooks receives the signed opt-in and order webhooks (SPEC
// section 4).
package webhooks

import (
	"context"

	"github.com/tallyhq/tally/shared/apierr"
	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/app"
)

// OptIns serves POST /webhooks/optins.
func OptIns(d *app.Deps) apigw.Handler { return notYet(d, "POST /webhooks/optins") }

// Orders serves POST /webhooks/orders.
func Orders(d *app.Deps) apigw.Handler { return notYet(d, "POST /webhooks/orders") }

func notYet(d *app.Deps, what string) apigw.Handler {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		return apigw.Error(d.Log, apierr.NotImplemented(what)), nil
	}
}
