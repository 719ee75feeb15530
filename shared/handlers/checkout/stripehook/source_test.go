package stripehook

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stripe/stripe-go/v85"

	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
	"github.com/tallyhq/tally/shared/web/apierr"
)

// Stripe's answers get the kind SPEC 10 gives them: retried (5xx) when a
// retry can work, unapplied (4xx) when it cannot.
func TestStripeAnswersAreRetriedOnlyWhenARetryCanWork(t *testing.T) {
	for _, c := range []struct {
		name   string
		status int
		want   int
		code   string
	}{
		{"the key is not valid", 401, 503, webhooks.CodeStripeKey},
		{"the key lacks a permission", 403, 503, webhooks.CodeStripeKey},
		{"rate limited", 429, 503, "stripe_unavailable"},
		{"Stripe's own error", 500, 503, "stripe_unavailable"},
		{"no such session for this key", 404, 422, "stripe_refused"},
		{"a bad request", 400, 422, "stripe_refused"},
	} {
		err := apiErr(fmt.Errorf("stripe: line items of cs_1: %w", &stripe.Error{HTTPStatusCode: c.status, Msg: "m"}))
		if e := apierr.From(err); e.Status != c.want || e.Code != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, e.Status, e.Code, c.want, c.code)
		}
	}
	network := errors.New("dial tcp: connection refused")
	if apiErr(network) != network || apiErr(nil) != nil {
		t.Error("an error that is not Stripe's answer changed kind")
	}
}
