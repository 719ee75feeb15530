package devserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/ledger"
)

// couponYAML is the demo program in currency where bob holds the codes of
// the checkouts' own payloads: A1H1Q1MG, the promotion code of Stripe's API
// reference, and 0124D, the discount code of the captured Shopify order.
func couponYAML(currency string) []byte {
	y := bytes.Replace(demo.YAML, []byte("currency: USD"), []byte("currency: "+currency), 1)
	return bytes.Replace(y, []byte("    api_key: dev-bob-key\n"), []byte("    api_key: dev-bob-key\n    coupons: [A1H1Q1MG, 0124D]\n"), 1)
}

// asBob is a report as bob's API client reads it.
func asBob(t *testing.T, ts *httptest.Server, path string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	req.Header.Set("Authorization", "Bearer dev-bob-key")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

func bobsEntries(t *testing.T, srv *devserver.Server) []ledger.Entry {
	t.Helper()
	es, err := srv.Store.Entries(context.Background(), "bob", time.Unix(0, 0), time.Now().AddDate(5, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// A Stripe session as Stripe's fixtures have it, its discounts naming the
// promotion code of Stripe's API reference (recorded answer, read with the
// restricted key), and jane's click: under the default coupon_precedence
// the order is bob's, through to his ledger, his links and his link stats
// by code.
func TestStripePromotionCodeRefersTheOrder(t *testing.T) {
	promo, err := os.ReadFile(filepath.Join("..", "..", "events", "stripe", "promotion_code.json"))
	if err != nil {
		t.Fatal(err)
	}
	item := map[string]any{"id": "li_1", "object": "item", "quantity": 1, "currency": "usd", "amount_subtotal": 9700,
		"amount_discount": 0, "amount_tax": 776, "amount_total": 10476, "description": "Summit recordings",
		"price": map[string]any{"id": "price_rec", "object": "price", "lookup_key": "SUM26-REC", "currency": "usd",
			"product": map[string]any{"id": "prod_rec", "object": "product", "metadata": map[string]any{}}}}
	var asked []string
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/checkout/sessions/cs_test_a1summit/line_items":
			_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "has_more": false, "url": r.URL.Path, "data": []any{item}})
		case "/v1/promotion_codes/promo_1MiM6KLkdIwHu7ixrIaX4wgn":
			_, _ = w.Write(promo)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"type":"invalid_request_error","message":"no such object"}}`)
		}
	})
	srv, ts, keys := payloadServerOf(t, couponYAML("USD"), api)
	click := clicktoken.StripeForm(keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "summit-2026", At: time.Unix(1793718000, 0).Add(-time.Hour)}))
	body := payload(t, "stripe", "checkout.session.completed", map[string]any{"client_reference_id": click,
		"discounts": []any{map[string]any{"coupon": nil, "promotion_code": "promo_1MiM6KLkdIwHu7ixrIaX4wgn"}}}, "data", "object")
	status, m, raw := sendStripe(t, ts, body)
	if status != 200 || m["referred_by"] != "bob" || len(asked) != 2 {
		t.Fatalf("%d %s (Stripe asked %q)", status, raw, asked)
	}
	if es := bobsEntries(t, srv); len(es) != 1 || es[0].Via != ledger.ViaCoupon || es[0].Coupon != "A1H1Q1MG" || es[0].AmountCents != 4850 {
		t.Errorf("bob's ledger: %+v", es)
	}
	if got := janeSum(t, srv); got != 0 {
		t.Errorf("jane earned %d", got)
	}
	if got := asBob(t, ts, "/reports/ledger?month=2026-11"); !bytes.Contains([]byte(got), []byte(`"via":"coupon"`)) || !bytes.Contains([]byte(got), []byte(`"coupon":"A1H1Q1MG"`)) {
		t.Errorf("bob's ledger report: %s", got)
	}
	if got := asBob(t, ts, "/reports/link-stats?month=2026-11&by=coupon"); !bytes.Contains([]byte(got),
		[]byte(`"coupons":[{"code":"A1H1Q1MG","orders":1,"revenue_cents":9700},{"code":"0124D","orders":0,"revenue_cents":0}]`)) {
		t.Errorf("bob's link stats by code: %s", got)
	}
	if got := asBob(t, ts, "/reports/links"); !bytes.Contains([]byte(got), []byte(`"coupons":["A1H1Q1MG","0124D"]`)) {
		t.Errorf("bob's links: %s", got)
	}
}

// The Shopify order as Shopify delivered it (events/shopify), its
// discount_codes naming 0124D, with jane's click in its note attributes:
// bob's code wins; bob is enrolled in the summit only, so he earns on its
// line, and the whole order counts on his code.
func TestShopifyDiscountCodeRefersTheOrder(t *testing.T) {
	srv, ts, keys := payloadServerOf(t, couponYAML("HKD"), http.NotFoundHandler())
	click := keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "summit-2026", At: time.Date(2025, 1, 23, 12, 0, 0, 0, time.UTC)})
	order := payload(t, "shopify", "orders-paid-draft-discounts", map[string]any{"note_attributes": []any{map[string]any{"name": "tally_click", "value": click}}})
	status, _, raw := sendShopify(t, ts, "orders/paid", order)
	want := `{"order_id":"shopify:6200407294252","referred_by":"bob","commissions":[` +
		`{"affiliate":"bob","sku":"SUM26-REC","type":"referral","amount_cents":3995}],"warnings":[]}`
	if status != 200 || raw != want {
		t.Fatalf("%d\n%s\nwant\n%s", status, raw, want)
	}
	if es := bobsEntries(t, srv); len(es) != 1 || es[0].Via != ledger.ViaCoupon || es[0].Coupon != "0124D" {
		t.Errorf("bob's ledger: %+v", es)
	}
	if got := janeSum(t, srv); got != 0 {
		t.Errorf("jane earned %d", got)
	}
	if got := asBob(t, ts, "/reports/link-stats?from=2025-01-01&to=2025-01-31&by=coupon"); !bytes.Contains([]byte(got),
		[]byte(`"coupons":[{"code":"A1H1Q1MG","orders":0,"revenue_cents":0},{"code":"0124D","orders":1,"revenue_cents":16490}]`)) {
		t.Errorf("bob's link stats by code: %s", got)
	}
}
