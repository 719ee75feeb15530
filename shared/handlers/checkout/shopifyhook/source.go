package shopifyhook

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Source is the Shopify webhook as shared/handlers/checkout/webhooks serves it and applies a
// kept delivery again. An unapplied delivery is kept under
// shopify:order:<order id> (orders/paid) or shopify:refund:<refund id>
// (refunds/create): the topic names which, and Shopify's order and refund
// ids are separate sequences.
func (r *Receiver) Source() webhooks.Source {
	return webhooks.Source{
		Name:  "shopify",
		Topic: func(req apigw.Request) string { return apigw.Header(req, HeaderTopic) },
		Verify: func(req apigw.Request, body []byte) error {
			return r.verify(body, apigw.Header(req, HeaderHMAC))
		},
		ID: func(topic string, body []byte) string {
			return webhooks.KeptID("shopify:"+subject(topic)+":", body)
		},
		Apply: func(ctx context.Context, topic string, body []byte, log *slog.Logger) (any, error) {
			return r.handle(ctx, topic, body, log.With("shopify_topic", topic))
		},
	}
}

// subject is what a topic's body is: orders/paid is an order.
func subject(topic string) string {
	switch topic {
	case "orders/paid":
		return "order"
	case "refunds/create":
		return "refund"
	}
	return strings.NewReplacer("/", "-", ":", "-").Replace(topic)
}

// Applier is the Shopify webhook without its signature check, for applying
// kept deliveries again (their signature was checked when they arrived).
// Applying needs no secret, so it is always there.
func Applier(d *app.Deps) *webhooks.Source {
	r := &Receiver{rec: webhooks.NewCheckout(d), log: d.Log}
	src := r.Source()
	src.Verify = func(apigw.Request, []byte) error { return errors.New("shopify: a retry is never verified") }
	return &src
}
