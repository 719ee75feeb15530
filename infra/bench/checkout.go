package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/handlers/checkout/shopifyhook"
	"github.com/tallyhq/tally/shared/handlers/checkout/stripehook"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Names of the checkout operations.
const (
	opStripeOrder   = "Stripe order of 3 lines"
	opStripeRefund  = "Stripe refund (amount rule)"
	opShopifyOrder  = "Shopify order of 3 lines"
	opShopifyRefund = "Shopify refund of 1 line"
	opClickOrder    = "order of 3 lines, by click"
	stripeSecret    = "whsec_bench_0123456789"
	shopifySecret   = "shpss_bench_0123456789"
)

// stripeAPI answers as Stripe does for one session of three lines and
// counts the calls made to it.
func stripeAPI(calls *atomic.Int64) *httptest.Server {
	item := func(id, sku string, subtotal, tax int64) map[string]any {
		return map[string]any{"id": id, "object": "item", "quantity": 1, "currency": "usd", "amount_subtotal": subtotal,
			"amount_discount": 0, "amount_tax": tax, "amount_total": subtotal + tax,
			"price": map[string]any{"id": "price_" + id, "object": "price", "lookup_key": sku,
				"product": map[string]any{"id": "prod_" + id, "object": "product", "metadata": map[string]any{}}}}
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/checkout/sessions/cs_bench/line_items":
			_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "has_more": false, "url": r.URL.Path, "data": []any{
				item("li_0", "EXTRA-0", 1000, 80), item("li_1", "EXTRA-1", 1000, 80), item("li_2", "EXTRA-2", 1000, 80)}})
		case "/v1/checkout/sessions":
			_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "has_more": false, "url": r.URL.Path, "data": []any{
				map[string]any{"id": "cs_bench", "object": "checkout.session", "mode": "payment", "created": 1, "metadata": map[string]any{}}}})
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
}

// checkoutCosts measures a Stripe and a Shopify order and refund, each of
// three lines like the native orders of 3 lines (the Stripe one names its
// affiliate, as the native "order of 3 lines" does; the Shopify one carries
// a click, as "order of 3 lines, by click" does), with the Stripe API calls
// they make.
func checkoutCosts(ctx context.Context, d *app.Deps, measure func(op string, f func() error) error, last func() *Cost) error {
	var calls atomic.Int64
	api := stripeAPI(&calls)
	defer api.Close()
	d.Config.StripeWebhookSecrets, d.Config.StripeAPIKey, d.Config.StripeAPIURL = stripeSecret, "rk_bench", api.URL
	d.Config.ShopifySecrets = shopifySecret
	stripe, shopify := stripehook.Webhook(d), shopifyhook.Webhook(d)
	paid := now.Add(-time.Hour).Unix()
	keys, err := clicktoken.ParseKeys(clickKey)
	if err != nil {
		return err
	}
	click := keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "summit-2026", At: now.Add(-2 * time.Hour)})
	// The native order a Shopify order with a click compares with.
	native := fmt.Sprintf(`{"id":"o-click","type":"order.paid","occurred_at":"2026-11-20T11:00:00Z","currency":"USD","contact":{"email":"k@example.org"},"click":%q,"items":[`+
		`{"sku":"EXTRA-0","quantity":1,"unit_price_cents":1000},{"sku":"EXTRA-1","quantity":1,"unit_price_cents":1000},{"sku":"EXTRA-2","quantity":1,"unit_price_cents":1000}]}`, click)
	if err := measure(opClickOrder, func() error { return deliver(ctx, webhooks.Orders(d), "/webhooks/orders", native, secret) }); err != nil {
		return err
	}
	for _, c := range []struct {
		op, body string
		h        apigw.Handler
		headers  func(body string) map[string]string
	}{
		{opStripeOrder, fmt.Sprintf(`{"id":"evt_b1","object":"event","type":"checkout.session.completed","created":%d,"data":{"object":{"id":"cs_bench","object":"checkout.session","mode":"payment","payment_status":"paid","currency":"usd","amount_total":3240,"client_reference_id":null,"metadata":{"tally_affiliate":"jane"},"customer_details":{"email":"s@example.org"},"payment_intent":"pi_bench"}}}`, paid),
			stripe, stripeHeaders},
		{opStripeRefund, fmt.Sprintf(`{"id":"evt_b2","object":"event","type":"charge.refunded","created":%d,"data":{"object":{"id":"ch_bench","object":"charge","amount":3240,"amount_refunded":1620,"payment_intent":"pi_bench"}}}`, paid+60),
			stripe, stripeHeaders},
		{opShopifyOrder, `{"id":7001,"email":"h@example.org","currency":"USD","processed_at":"2026-11-20T11:00:00Z","total_price":"32.40","note_attributes":[{"name":"tally_click","value":"` + click + `"}],"landing_site":"/","line_items":[` +
			`{"id":1,"sku":"EXTRA-0","variant_id":11,"quantity":1,"price":"10.00","total_discount":"0.00"},{"id":2,"sku":"EXTRA-1","variant_id":12,"quantity":1,"price":"10.00","total_discount":"0.00"},{"id":3,"sku":"EXTRA-2","variant_id":13,"quantity":1,"price":"10.00","total_discount":"0.00"}],"customer":{"email":"h@example.org"}}`,
			shopify, shopifyHeaders("orders/paid")},
		{opShopifyRefund, `{"id":8001,"order_id":7001,"created_at":"2026-11-04T09:00:00Z","refund_line_items":[{"line_item_id":1,"quantity":1,"line_item":{"id":1,"sku":"EXTRA-0","variant_id":11}}],"transactions":[{"kind":"refund","status":"success","amount":"10.80","currency":"USD"}]}`,
			shopify, shopifyHeaders("refunds/create")},
	} {
		before := calls.Load()
		err := measure(c.op, func() error {
			req := apigw.Request{Version: "2.0", RouteKey: "POST /webhooks/x", Body: c.body, Headers: c.headers(c.body)}
			req.RequestContext.HTTP.Method = http.MethodPost
			resp, err := c.h(ctx, req)
			if err == nil && (resp.StatusCode != http.StatusOK || strings.Contains(resp.Body, `"ignored"`)) {
				err = fmt.Errorf("status %d: %s", resp.StatusCode, resp.Body)
			}
			return err
		})
		if err != nil {
			return err
		}
		last().StripeCalls = int(calls.Load() - before)
	}
	return nil
}

func stripeHeaders(body string) map[string]string {
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(body), Secret: stripeSecret})
	return map[string]string{"content-type": "application/json", "stripe-signature": sp.Header}
}

func shopifyHeaders(topic string) func(string) map[string]string {
	return func(body string) map[string]string {
		return map[string]string{"content-type": "application/json", "x-shopify-topic": topic,
			"x-shopify-hmac-sha256": shopifyhook.Sign([]byte(shopifySecret), []byte(body))}
	}
}
