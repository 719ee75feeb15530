package devserver_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tallyhq/tally/infra/sam"
)

// Every route behind the authorizer, enumerated from template.yaml so a new
// one cannot slip by: no key 401, an unknown key 401, and an affiliate's key
// only ever shows that affiliate's data, whatever the request names.
func TestEveryReportRouteShowsOnlyTheAskersData(t *testing.T) {
	x := workedExample(t)
	// bob's own order, which jane must never see.
	x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"bob-secret-order","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"zed@example.org"},"affiliate":"bob","items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700}]}`, x.at()))
	// and bob's coupon code, with an order of his by it: jane's codes and
	// counts per code never show it.
	x.ok(200, "PATCH", "/admin/affiliates/bob", "dev-owner-key", "", `{"coupons":["BOBSECRET"]}`, nil)
	x.ok(200, "PATCH", "/admin/affiliates/jane", "dev-owner-key", "", `{"coupons":["JANE20"]}`, nil)
	x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"bob-coupon-order","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"zoe@example.org"},"coupon":"bobsecret","items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700}]}`, x.at()))
	if _, _, body := x.report("/reports/link-stats?month=2026-11&by=coupon", "dev-bob-key", "application/json"); !strings.Contains(body, `"coupons":[{"code":"BOBSECRET","orders":1,"revenue_cents":9700}]`) {
		t.Fatalf("bob's order by his code is not counted: %s", body)
	}
	tpl, err := sam.LoadRepo()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range tpl.Routes() {
		if r.Authorizer == "" || r.Method != "GET" || !strings.HasPrefix(r.Path, "/reports/") {
			continue
		}
		n++
		t.Run(r.Path, func(t *testing.T) {
			for key, want := range map[string]int{"": 401, "not-a-key": 401, "dev-owner-key": 403} {
				code, _, body := x.report(r.Path, key, "application/json")
				var e struct {
					Error struct{ Code, Message string }
				}
				if code != want || json.Unmarshal([]byte(body), &e) != nil || e.Error.Code == "" {
					t.Errorf("key %q: %d %s, want %d with the JSON error body", key, code, body, want)
				}
			}
			for _, q := range []string{"?month=2026-11", "?month=2026-11&affiliate=bob", "?month=2026-11&code=bob&as=bob", "?month=2026-11&subject=bob",
				"?month=2026-11&by=coupon&affiliate=bob", "?month=2026-11&by=coupon&coupon=BOBSECRET&code=BOBSECRET"} {
				code, _, body := x.report(r.Path+q, "dev-jane-key", "application/json")
				if code != 200 {
					t.Fatalf("%s: %d %s", q, code, body)
				}
				if strings.Contains(body, "bob-secret-order") || strings.Contains(body, `"affiliate":"bob"`) || strings.Contains(body, "/go/summit-2026/bob") ||
					strings.Contains(body, "bob-coupon-order") || strings.Contains(strings.ToUpper(body), "BOBSECRET") {
					t.Errorf("%s shows bob's data: %s", q, body)
				}
				var v map[string]any
				json.Unmarshal([]byte(body), &v)
				if a, ok := v["affiliate"]; ok && a != "jane" {
					t.Errorf("%s answered for %v", q, a)
				}
			}
			// The same for bob: his order is there.
			if _, _, body := x.report(r.Path+"?month=2026-11&by=coupon&affiliate=jane", "dev-bob-key", "application/json"); strings.Contains(body, `"affiliate":"jane"`) || strings.Contains(body, "JANE20") {
				t.Errorf("bob sees jane's data: %s", body)
			}
		})
	}
	if n < 5 {
		t.Fatalf("only %d report routes found in template.yaml", n)
	}
}

func TestBadPeriodsAre400(t *testing.T) {
	x := start(t)
	for _, q := range []string{"?month=2026-13", "?month=2026-11&from=2026-11-01&to=2026-11-02", "?from=2026-11-01", "?from=2026-11-05&to=2026-11-01", "?from=2025-01-01&to=2026-06-01"} {
		code, _, body := x.report("/reports/ledger"+q, "dev-jane-key", "")
		if code != 400 || !strings.Contains(body, `"invalid_field"`) {
			t.Errorf("%s: %d %s", q, code, body)
		}
	}
}

func TestBrowserWithoutSessionIsSentToSignIn(t *testing.T) {
	x := start(t)
	code, h, _ := x.report("/reports/link-stats?month=2026-11", "", "text/html,application/xhtml+xml,*/*;q=0.8")
	if code != 303 || h.Get("Location") != "/login?next=%2Freports%2Flink-stats%3Fmonth%3D2026-11" {
		t.Errorf("%d %s", code, h.Get("Location"))
	}
	// An API client without a key gets the JSON 401, never a login page.
	if code, _, _ := x.report("/reports/link-stats", "", "application/json"); code != 401 {
		t.Errorf("api client: %d", code)
	}
	// A browser with a wrong key still gets the 401: the header alone decides.
	if code, _, _ := x.report("/reports/link-stats", "wrong-key", "text/html"); code != 401 {
		t.Errorf("browser with a bad key: %d", code)
	}
}
