package devserver_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/tallyhq/tally/infra/demo"
)

// Pages show amounts in the currency's ISO 4217 decimals: a program in IDR
// (2 decimals in ISO 4217, none in CLDR) shows jane's 4850 minor units as
// 48.50, not 4,850.
func TestPagesUseISO4217Decimals(t *testing.T) {
	x := startWith(t, bytes.Replace(demo.YAML, []byte("currency: USD"), []byte("currency: IDR"), 1))
	x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"o-idr","type":"order.paid","occurred_at":%q,"currency":"IDR","contact":{"email":"p@example.org"},"affiliate":"jane","items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700}]}`, x.at()))
	code, _, page := x.report("/reports/ledger?month=2026-11", "dev-jane-key", "text/html")
	if code != 200 || !strings.Contains(page, "IDR 48.50") || strings.Contains(page, "4,850") {
		t.Fatalf("%d: the ledger page does not show IDR 48.50:\n%s", code, page)
	}
}
