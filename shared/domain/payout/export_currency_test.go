package payout

import "testing"

// A payout file states amounts in the currency's ISO 4217 decimals. CLDR
// gives COP, IDR and IQD no decimals, which would make these files 100 and
// 1000 times too large.
func TestExportsUseISO4217Decimals(t *testing.T) {
	items := []ExportItem{{ID: "po_1_kim", Affiliate: "kim", Name: "Kim", Email: "kim@example.com", AmountCents: 123456, Entries: 1, From: "2026-11-01", To: "2026-11-30"}}
	for cur, want := range map[string]string{
		"COP": "kim@example.com,1234.56,COP,po_1_kim,Commissions 2026-11-01 to 2026-11-30\n",
		"IDR": "kim@example.com,1234.56,IDR,po_1_kim,Commissions 2026-11-01 to 2026-11-30\n",
		"IQD": "kim@example.com,123.456,IQD,po_1_kim,Commissions 2026-11-01 to 2026-11-30\n",
		"JPY": "kim@example.com,123456,JPY,po_1_kim,Commissions 2026-11-01 to 2026-11-30\n",
	} {
		if got := string(PayPal(items, cur)); got != want {
			t.Errorf("%s: %q, want %q", cur, got, want)
		}
	}
}
