package demo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/domain/webhooksig"
)

// Play sends the worked examples' activity through a handler as the outside
// world would, so a newcomer's reports are not empty: clicks and signed
// webhooks for SPEC section 6 (dated now), and kim's orders, refunds and
// payouts of SPEC section 9 (dated back from now). secret is the webhook
// secret ("whsec_..."); short is jane's short link code for summit-2026.
func Play(h http.Handler, secret string, now time.Time, short string) error {
	keys, err := webhooksig.ParseSecrets(secret)
	if err != nil {
		return err
	}
	p := &player{h: h, key: keys[0], now: now}
	at := now.UTC().Format(time.RFC3339)
	ago := func(days int) string {
		return now.UTC().Add(-time.Duration(days) * 24 * time.Hour).Format(time.RFC3339)
	}

	// SPEC 6: Pat via bob's link, Sam via jane's short link, Sam's refund.
	pat := p.click("/go/summit-2026/bob")
	p.post("/webhooks/optins", `{"id":"demo-optin-pat","occurred_at":%q,"event":"summit-2026","contact":{"email":"pat@example.org","name":"Pat"},"click":%q}`, at, pat)
	p.post("/webhooks/orders", `{"id":"demo-order-pat","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"pat@example.org"},"items":[{"sku":"RET26-REC","quantity":1,"unit_price_cents":9700},{"sku":"SUM26-JANE-COURSE","quantity":1,"unit_price_cents":20000}]}`, at)
	sam := p.click("/s/" + short)
	p.post("/webhooks/orders", `{"id":"demo-order-sam","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"sam@example.org"},"click":%q,"items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700},{"sku":"RET26-TRN","quantity":1,"unit_price_cents":4700}]}`, at, sam)
	p.post("/webhooks/orders", `{"id":"demo-refund-sam","type":"order.refunded","occurred_at":%q,"order_id":"demo-order-sam","items":[{"sku":"RET26-TRN","quantity":1}]}`, at)

	// SPEC 9: kim's orders, a refund inside the hold, a paid payout, a
	// refund of money already paid, and a draft payout that makes it up.
	order := `{"id":%q,"type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":%q},"affiliate":"kim","items":[{"sku":%q,"quantity":%d,"unit_price_cents":%d}]}`
	refund := `{"id":%q,"type":"order.refunded","occurred_at":%q,"order_id":%q,"items":[{"sku":%q,"quantity":%d}]}`
	p.post("/webhooks/orders", order, "demo-kim-1", ago(40), "ann@example.org", "GUT-REC", 1, 14700)
	p.post("/webhooks/orders", order, "demo-kim-2", ago(20), "ben@example.org", "GUT-TRN", 1, 3333)
	p.post("/webhooks/orders", order, "demo-kim-3", ago(3), "cat@example.org", "GUT-REC", 1, 14700)
	p.post("/webhooks/orders", refund, "demo-kim-3-refund", at, "demo-kim-3", "GUT-REC", 1)
	id := p.payout("demo-payout-1")
	p.owner("/admin/payouts/"+id+"/mark-paid", `{"reference":"PAYPAL-DEMO-1"}`)
	p.post("/webhooks/orders", refund, "demo-kim-2-refund", at, "demo-kim-2", "GUT-TRN", 1)
	p.post("/webhooks/orders", order, "demo-kim-4", ago(20), "dan@example.org", "GUT-REC", 1, 14700)
	p.post("/webhooks/orders", order, "demo-kim-5", ago(20), "eve@example.org", "GUT-TRN", 3, 3333)
	p.payout("demo-payout-2")
	return p.err
}

// player sends requests and keeps the first failure.
type player struct {
	h   http.Handler
	key []byte
	now time.Time
	n   int
	err error
}

func (p *player) do(req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	if p.err == nil {
		p.h.ServeHTTP(w, req)
	}
	return w
}

func (p *player) fail(what string, w *httptest.ResponseRecorder) {
	if p.err == nil {
		p.err = fmt.Errorf("demo activity: %s: %d %s", what, w.Code, strings.TrimSpace(w.Body.String()))
	}
}

// click follows a link as a phone would and returns its click token.
func (p *player) click(path string) string {
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
	w := p.do(req)
	u, _ := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusFound || u == nil || u.Query().Get("tally_click") == "" {
		p.fail("click "+path, w)
		return ""
	}
	return u.Query().Get("tally_click")
}

// post sends a signed webhook.
func (p *player) post(path, format string, args ...any) {
	body := fmt.Sprintf(format, args...)
	p.n++
	id := fmt.Sprintf("msg_demo_%d", p.n)
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", fmt.Sprint(p.now.Unix()))
	req.Header.Set("webhook-signature", webhooksig.Sign(p.key, id, p.now, []byte(body)))
	if w := p.do(req); w.Code != http.StatusOK {
		p.fail("POST "+path, w)
	}
}

// owner sends an owner's POST and returns the answer's id.
func (p *player) owner(path, body string, headers ...string) string {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+Keys["Accounts"])
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := p.do(req)
	if w.Code != http.StatusOK && w.Code != http.StatusCreated {
		p.fail("POST "+path, w)
		return ""
	}
	var ans struct{ ID string }
	if err := json.Unmarshal(w.Body.Bytes(), &ans); err != nil {
		p.fail("POST "+path, w)
	}
	return ans.ID
}

func (p *player) payout(key string) string {
	return p.owner("/admin/payouts", `{}`, "Idempotency-Key", key)
}
