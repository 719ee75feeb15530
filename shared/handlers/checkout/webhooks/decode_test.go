package webhooks

import (
	"fmt"
	"strings"
	"testing"
)

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
			if total(p.Items) > maxOrderCents {
				t.Fatalf("accepted an order over the limit: %+v", p.Items)
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

func TestOrderTotalIsBounded(t *testing.T) {
	line := `{"sku":"S%d","quantity":1000000,"unit_price_cents":1000000000000}`
	body := `{"id":"o","type":"order.paid","occurred_at":"2026-11-03T15:00:00Z","currency":"USD","contact":{"email":"a@b.c"},"items":[`
	for i := range 10 {
		if i > 0 {
			body += ","
		}
		body += fmt.Sprintf(line, i)
	}
	if _, err := decodeOrder([]byte(body + "]}")); err == nil || !strings.Contains(err.Error(), "invalid") {
		t.Fatalf("ten lines of 10^18 cents: %v", err)
	}
	ok := `{"id":"o","type":"order.paid","occurred_at":"2026-11-03T15:00:00Z","currency":"USD","contact":{"email":"a@b.c"},"items":[{"sku":"A","quantity":2,"unit_price_cents":500000000000}]}`
	if _, err := decodeOrder([]byte(ok)); err != nil {
		t.Fatalf("an order of exactly the limit: %v", err)
	}
}
