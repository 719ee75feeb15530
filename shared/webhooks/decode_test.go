package webhooks

import "testing"

// FuzzDecode: the decoders never panic, and a body they accept has what the
// rules need.
func FuzzDecode(f *testing.F) {
	f.Add(`{"id":"o","type":"order.paid","occurred_at":"2026-11-03T15:00:00Z","currency":"USD","contact":{"email":"a@b.c"},"items":[{"sku":"A","quantity":1,"unit_price_cents":1}]}`)
	f.Add(`{"id":"r","type":"order.refunded","occurred_at":"2026-11-03T15:00:00Z","order_id":"o"}`)
	f.Add(`{"id":"i","occurred_at":"2026-11-03T15:00:00Z","event":"e","contact":{"email":"a@b.c"}}`)
	f.Add(`{"items":[{"quantity":1e400}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		if p, err := decodeOrder([]byte(body)); err == nil {
			if p.ID == "" || p.OccurredAt.IsZero() || (p.Type == TypePaid && (len(p.Items) == 0 || p.Email == "")) {
				t.Fatalf("accepted an incomplete order: %+v", p)
			}
			for _, l := range p.Items {
				if l.Quantity < 1 || l.UnitPriceCents < 0 {
					t.Fatalf("accepted line %+v", l)
				}
			}
		}
		if p, err := decodeOptIn([]byte(body)); err == nil && (p.ID == "" || p.Email == "" || p.Event == "") {
			t.Fatalf("accepted an incomplete opt-in: %+v", p)
		}
	})
}
