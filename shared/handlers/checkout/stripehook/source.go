package stripehook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/stripe/stripe-go/v85"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
	"github.com/tallyhq/tally/shared/web/apierr"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Source is the Stripe webhook as shared/handlers/checkout/webhooks serves it and applies a
// kept delivery again. An unapplied delivery is kept under
// stripe:<event id>: Stripe redelivers an event under its id.
func (r *Receiver) Source() webhooks.Source {
	return webhooks.Source{
		Name: "stripe",
		Verify: func(req apigw.Request, body []byte) error {
			return r.verify(body, apigw.Header(req, "Stripe-Signature"))
		},
		ID: func(_ string, body []byte) string { return webhooks.KeptID("stripe:", body) },
		Apply: func(ctx context.Context, _ string, body []byte, log *slog.Logger) (any, error) {
			out, err := r.handle(ctx, body, log)
			return out, apiErr(err)
		},
	}
}

// apiErr gives Stripe's API answers their kind (SPEC 10): 5xx and 429 are
// Stripe's to fix and 401/403 the owner's key (both retried: a 5xx answer),
// any other 4xx means the event cannot be applied as it is (a session the
// key cannot see, a deleted price) until the owner fixes it. Errors that
// are not Stripe's answers (a network error, a table call) stay 5xx.
func apiErr(err error) error {
	var se *stripe.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	what := fmt.Sprintf("Stripe answered %d to a read Tally needs: %s", se.HTTPStatusCode, se.Msg)
	switch s := se.HTTPStatusCode; {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return apierr.New(http.StatusServiceUnavailable, webhooks.CodeStripeKey,
			"Stripe refused Tally's API key (%d: %s): give the restricted key the permission docs/integrations.md lists, or a new key", s, se.Msg)
	case s == http.StatusTooManyRequests || s >= 500 || s == 0:
		return apierr.New(http.StatusServiceUnavailable, "stripe_unavailable", "%s", what)
	}
	return apierr.Unprocessable("stripe_refused", "%s", what)
}

// Applier is the Stripe webhook without its signature check, for applying
// kept deliveries again (their signature was checked when they arrived);
// nil when no Stripe API key is configured.
func Applier(d *app.Deps) *webhooks.Source {
	if d.Config.StripeAPIKey == "" {
		return nil
	}
	r := &Receiver{api: NewClient(d.Config.StripeAPIKey, d.Config.StripeAPIURL, d.HTTP), rec: webhooks.NewCheckout(d), log: d.Log}
	src := r.Source()
	src.Verify = func(apigw.Request, []byte) error { return errors.New("stripe: a retry is never verified") }
	return &src
}
