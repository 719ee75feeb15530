// Package checkoutevents wires the owner's retry of an unapplied checkout
// event (POST /admin/checkout-events/{id}/retry) to the Stripe and Shopify
// webhooks configured. It is its own package so that only this function
// links the checkouts' code (and stripe-go), not every owner's page.
package checkoutevents

import (
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/handlers/checkout/shopifyhook"
	"github.com/tallyhq/tally/shared/handlers/checkout/stripehook"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
	"github.com/tallyhq/tally/shared/handlers/owner/admin"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Retry serves POST /admin/checkout-events/{id}/retry.
func Retry(d *app.Deps) apigw.Handler {
	var sources []webhooks.Source
	if s := stripehook.Applier(d); s != nil {
		sources = append(sources, *s)
	}
	if s := shopifyhook.Applier(d); s != nil {
		sources = append(sources, *s)
	}
	return admin.RetryCheckoutEvent(d, sources)
}
