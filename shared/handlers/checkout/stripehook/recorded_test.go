package stripehook_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// recorded is Stripe's API as recorded answers: exact line items (with
// discounts, tax and a second page), sessions, prices, invoice lines. It
// keeps every request it was asked, and can be told to fail.
type recorded struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
	answers  map[string]any // "GET /v1/path" (query's starting_after appended as "@li_x") -> JSON value
	failing  map[string]bool
}

func newRecorded(t *testing.T) *recorded {
	r := &recorded{answers: map[string]any{}, failing: map[string]bool{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Authorization") != "Bearer "+apiKey {
			http.Error(w, `{"error":{"type":"invalid_request_error","message":"bad key"}}`, http.StatusUnauthorized)
			return
		}
		q := req.URL.Query()
		key := req.Method + " " + req.URL.Path
		for _, p := range []string{"payment_intent", "subscription", "payment[payment_intent]", "invoice"} {
			if v := q.Get(p); v != "" {
				key += "?" + p + "=" + v
			}
		}
		if a := q.Get("starting_after"); a != "" {
			key += "@" + a
		}
		r.mu.Lock()
		r.requests = append(r.requests, req.Method+" "+req.URL.RequestURI())
		ans, ok := r.answers[key]
		fail := r.failing[key]
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case fail:
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"error":{"type":"api_error","message":"recorded failure"}}`)
		case !ok:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":{"type":"invalid_request_error","message":"no recorded answer for %s"}}`, key)
		default:
			_ = json.NewEncoder(w).Encode(ans)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorded) set(key string, v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers[key] = v
}

func (r *recorded) fail(key string, on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failing[key] = on
}

// take returns the requests since the last call.
func (r *recorded) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.requests
	r.requests = nil
	return out
}

func list(url string, more bool, data ...any) map[string]any {
	if data == nil {
		data = []any{}
	}
	return map[string]any{"object": "list", "url": url, "has_more": more, "data": data}
}

// product and price are Stripe's objects, as the API answers them.
func product(id, tallySKU string) map[string]any {
	md := map[string]any{}
	if tallySKU != "" {
		md["tally_sku"] = tallySKU
	}
	return map[string]any{"id": id, "object": "product", "active": true, "name": id, "metadata": md,
		"created": 1793000000, "livemode": false, "type": "service", "updated": 1793000000}
}

func price(id, lookupKey string, prod map[string]any, unit int64) map[string]any {
	var lk any
	if lookupKey != "" {
		lk = lookupKey
	}
	return map[string]any{"id": id, "object": "price", "active": true, "currency": "usd", "lookup_key": lk,
		"metadata": map[string]any{}, "product": prod, "type": "one_time", "unit_amount": unit,
		"unit_amount_decimal": fmt.Sprint(unit), "billing_scheme": "per_unit", "tax_behavior": "exclusive", "livemode": false}
}

// lineItem is a Checkout Session's line item.
func lineItem(id string, pr map[string]any, qty, subtotal, discount, tax int64) map[string]any {
	return map[string]any{"id": id, "object": "item", "currency": "usd", "description": id, "quantity": qty,
		"price": pr, "amount_subtotal": subtotal, "amount_discount": discount, "amount_tax": tax,
		"amount_total": subtotal - discount + tax}
}

// checkoutSession is a session as the list endpoint answers it.
func checkoutSession(id, mode, click string, created int64, md map[string]any) map[string]any {
	var ref any
	if click != "" {
		ref = click
	}
	return map[string]any{"id": id, "object": "checkout.session", "mode": mode, "status": "complete", "payment_status": "paid",
		"client_reference_id": ref, "metadata": md, "created": created, "currency": "usd", "livemode": false}
}

func has(reqs []string, want ...string) error {
	joined := strings.Join(reqs, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			return fmt.Errorf("no request %q among\n%s", w, joined)
		}
	}
	return nil
}
