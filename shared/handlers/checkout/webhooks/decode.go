package webhooks

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/commission"
	"github.com/tallyhq/tally/shared/web/apierr"
	"github.com/tallyhq/tally/shared/web/jsonbody"
)

// Order types.
const (
	TypePaid     = "order.paid"
	TypeRefunded = "order.refunded"
)

// maxLines keeps an order's writes inside one transaction (a line can earn
// two commissions: a referral and a speaker's).
const maxLines = 40

// payload is a decoded webhook body, every field checked.
type payload struct {
	ID         string
	Type       string
	OccurredAt time.Time
	Currency   string
	Email      string
	Event      string
	Click      string
	Affiliate  string
	Coupons    []string // an order's coupon codes (the native order's one)
	OrderID    string
	Items      []commission.Line // for a refund: SKU and Quantity only
	HasItems   bool
	Hash       string // of the canonical JSON: key order and spacing do not matter
	// Set for orders translated from a checkout (checkout.go).
	Paid     int64                // what the buyer paid in all, tax included
	Referral *commission.Referral // decided by the checkout (a subscription's)
	Record   func(w *store.Write) // adds what the checkout keeps beside the order
}

// fields collects every problem of a body, by field path.
type fields map[string]string

func (f fields) err() error {
	if len(f) == 0 {
		return nil
	}
	return apierr.Invalid(f)
}

// Limits of the text fields, in bytes of UTF-8 (docs/webhooks.md). With
// maxLines they keep the largest order's record inside DynamoDB's 400 KB
// item limit and its entries' sort keys inside the 1 KB key limit, so a
// valid webhook can always be stored: a longer field is 400 invalid_field,
// never a 500 that the sender would retry for days.
const (
	maxID         = 200 // id, order_id
	maxTime       = 64  // occurred_at, before it is parsed
	maxType       = 32
	maxCurrency   = 3
	maxEmail      = 254 // RFC 5321's longest address
	maxName       = 200 // contact.name
	maxSlug       = 64  // event: a program's event slugs are at most 64
	maxAffiliate  = 64  // affiliate: a program's codes are at most 32
	maxClickToken = 512
	maxSKU        = 255 // a shop's SKU; a program's are at most 64
	maxCoupon     = 64  // a coupon code: a program's are at most 32, longer ones are warnings up to this
	maxCoupons    = 10  // coupon codes on one checkout's order
)

// str reads a string field, trimmed, at most max bytes.
func str(m map[string]any, key, path string, required bool, max int, f fields) string {
	v, ok := m[key]
	if !ok || v == nil {
		if required {
			f[path] = "is required"
		}
		return ""
	}
	s, ok := v.(string)
	if !ok {
		f[path] = "must be a string"
		return ""
	}
	s = strings.TrimSpace(s)
	switch {
	case required && s == "":
		f[path] = "must not be empty"
	case len(s) > max:
		f[path] = fmt.Sprintf("must be at most %d bytes", max)
		return ""
	}
	return s
}

func integer(m map[string]any, key, path string, f fields) (int64, bool) {
	v, ok := m[key]
	if !ok || v == nil {
		f[path] = "is required"
		return 0, false
	}
	n, ok := v.(json.Number)
	if !ok {
		f[path] = "must be an integer"
		return 0, false
	}
	i, err := n.Int64()
	if err != nil {
		f[path] = "must be an integer"
		return 0, false
	}
	return i, true
}

func object(m map[string]any, key, path string, required bool, f fields) map[string]any {
	v, ok := m[key]
	if !ok || v == nil {
		if required {
			f[path] = "is required"
		}
		return nil
	}
	o, ok := v.(map[string]any)
	if !ok {
		f[path] = "must be an object"
	}
	return o
}

func common(m map[string]any, f fields) payload {
	var p payload
	p.ID = str(m, "id", "id", true, maxID, f)
	if at := str(m, "occurred_at", "occurred_at", true, maxTime, f); at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			f["occurred_at"] = "must be an RFC 3339 time such as 2026-11-03T15:00:00Z"
		}
		p.OccurredAt = t.UTC()
	}
	p.Click = str(m, "click", "click", false, maxClickToken, f)
	p.Affiliate = str(m, "affiliate", "affiliate", false, maxAffiliate, f)
	return p
}

func email(m map[string]any, required bool, f fields) string {
	c := object(m, "contact", "contact", required, f)
	if c == nil {
		return ""
	}
	str(c, "name", "contact.name", false, maxName, f) // not stored, but bounded like every text field
	e := str(c, "email", "contact.email", required, maxEmail, f)
	if e != "" && !strings.Contains(e, "@") {
		f["contact.email"] = "must be an email address"
	}
	return e
}

// decodeOptIn checks an opt-in body.
func decodeOptIn(body []byte) (payload, error) {
	m, hash, err := jsonbody.Decode(body)
	if err != nil {
		return payload{}, err
	}
	f := fields{}
	p := common(m, f)
	p.Email = email(m, true, f)
	p.Event = str(m, "event", "event", true, maxSlug, f)
	p.Hash = hash
	return p, f.err()
}

// decodeOrder checks a paid order or a refund body.
func decodeOrder(body []byte) (payload, error) {
	m, hash, err := jsonbody.Decode(body)
	if err != nil {
		return payload{}, err
	}
	f := fields{}
	p := common(m, f)
	p.Hash = hash
	p.Type = str(m, "type", "type", true, maxType, f)
	switch p.Type {
	case TypePaid:
		p.Currency = str(m, "currency", "currency", true, maxCurrency, f)
		p.Email = email(m, true, f)
		if code := str(m, "coupon", "coupon", false, maxCoupon, f); code != "" {
			p.Coupons = []string{code}
		}
		p.Items, p.HasItems = items(m, true, f)
		if p.HasItems && len(p.Items) == 0 {
			f["items"] = "must not be empty"
		}
	case TypeRefunded:
		p.OrderID = str(m, "order_id", "order_id", true, maxID, f)
		p.Items, p.HasItems = items(m, false, f)
		if p.HasItems && len(p.Items) == 0 {
			f["items"] = "must not be empty (leave it out to refund everything)"
		}
	case "":
	default:
		f["type"] = fmt.Sprintf("unknown type %q: want %s or %s", p.Type, TypePaid, TypeRefunded)
	}
	return p, f.err()
}

func items(m map[string]any, paid bool, f fields) ([]commission.Line, bool) {
	v, ok := m["items"]
	if !ok || v == nil {
		if paid {
			f["items"] = "is required"
		}
		return nil, false
	}
	list, ok := v.([]any)
	if !ok {
		f["items"] = "must be an array"
		return nil, false
	}
	if len(list) > maxLines {
		f["items"] = fmt.Sprintf("at most %d lines per order", maxLines)
		return nil, true
	}
	seen := map[string]bool{}
	out := make([]commission.Line, 0, len(list))
	for i, x := range list {
		at := fmt.Sprintf("items[%d]", i)
		it, ok := x.(map[string]any)
		if !ok {
			f[at] = "must be an object"
			continue
		}
		var l commission.Line
		l.SKU = str(it, "sku", at+".sku", true, maxSKU, f)
		if seen[l.SKU] && l.SKU != "" {
			f[at+".sku"] = fmt.Sprintf("SKU %q appears more than once", l.SKU)
		}
		seen[l.SKU] = true
		if q, ok := integer(it, "quantity", at+".quantity", f); ok {
			if q < 1 {
				f[at+".quantity"] = "must be at least 1"
			} else if q > 1_000_000 {
				f[at+".quantity"] = "must be at most 1000000"
			}
			l.Quantity = q
		}
		if paid {
			if c, ok := integer(it, "unit_price_cents", at+".unit_price_cents", f); ok {
				if c < 0 {
					f[at+".unit_price_cents"] = "must not be negative"
				} else if c > 1_000_000_000_000 {
					f[at+".unit_price_cents"] = "is too large"
				}
				l.UnitPriceCents = c
			}
		}
		out = append(out, l)
	}
	if paid && total(out) > maxOrderCents {
		f["items"] = fmt.Sprintf("the order's total is over %d cents", int64(maxOrderCents))
	}
	return out, true
}

// maxOrderCents bounds an order's total, so revenue counters and commission
// sums stay far from int64's limit (a line alone may reach 10^18).
const maxOrderCents = 1_000_000_000_000

// total adds up an order's lines, stopping once past maxOrderCents so the
// sum cannot overflow.
func total(lines []commission.Line) int64 {
	var t int64
	for _, l := range lines {
		if l.Quantity > 0 && l.UnitPriceCents > 0 && l.UnitPriceCents > (maxOrderCents-t)/l.Quantity {
			return maxOrderCents + 1
		}
		t += l.Quantity * l.UnitPriceCents
	}
	return t
}
