// Package reports answers an affiliate's questions about their own money and
// links (SPEC section 5).
package reports

import (
	"context"

	"github.com/tallyhq/tally/shared/apierr"
	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/app"
)

// Ledger serves GET /reports/ledger.
func Ledger(d *app.Deps) apigw.Handler { return notYet(d, "GET /reports/ledger") }

// LinkStats serves GET /reports/link-stats.
func LinkStats(d *app.Deps) apigw.Handler { return notYet(d, "GET /reports/link-stats") }

// ProductsSold serves GET /reports/products-sold.
func ProductsSold(d *app.Deps) apigw.Handler { return notYet(d, "GET /reports/products-sold") }

// CommissionStructure serves GET /reports/commission-structure.
func CommissionStructure(d *app.Deps) apigw.Handler {
	return notYet(d, "GET /reports/commission-structure")
}

// Links serves GET /reports/links.
func Links(d *app.Deps) apigw.Handler { return notYet(d, "GET /reports/links") }

func notYet(d *app.Deps, what string) apigw.Handler {
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		return apigw.Error(d.Log, apierr.NotImplemented(what)), nil
	}
}
