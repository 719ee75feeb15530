// Package shopifyhook receives Shopify's webhooks (SPEC 10): it checks
// Shopify's HMAC and translates orders/paid and refunds/create into the
// orders and refunds of section 4, recorded by shared/handlers/checkout/webhooks. Shopify's
// amounts are decimal strings, converted to minor units exactly.
package shopifyhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/commission"
	"github.com/tallyhq/tally/shared/domain/money"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
	"github.com/tallyhq/tally/shared/web/apierr"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Headers Shopify sends.
const (
	HeaderHMAC  = "X-Shopify-Hmac-Sha256"
	HeaderTopic = "X-Shopify-Topic"
)

// Receiver is the Shopify webhook.
type Receiver struct {
	secrets [][]byte
	rec     *webhooks.Checkout
	log     *slog.Logger
}

// Webhook serves POST /webhooks/shopify.
func Webhook(d *app.Deps) apigw.Handler {
	r := &Receiver{secrets: d.ShopifySecrets(), rec: webhooks.NewCheckout(d), log: d.Log}
	src := r.Source()
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		return r.rec.Serve(ctx, req, src), nil
	}
}

// Sign is Shopify's signature of a body: base64 HMAC-SHA256 under the
// app's client secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (r *Receiver) verify(body []byte, header string) error {
	got, err := base64.StdEncoding.DecodeString(header)
	if err != nil || len(got) != sha256.Size {
		return errors.New("shopify: missing or malformed HMAC header")
	}
	for _, s := range r.secrets {
		m := hmac.New(sha256.New, s)
		m.Write(body)
		if hmac.Equal(m.Sum(nil), got) {
			return nil
		}
	}
	return errors.New("shopify: HMAC does not match")
}

// amount is a Shopify amount as written: a JSON string ("42.30") or a
// number (42.3); Shopify writes both, sometimes in one payload.
type amount string

func (a *amount) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = amount(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*a = amount(n)
	return nil
}

// moneySet is an amount in the shop's money and in the buyer's.
type moneySet struct {
	ShopMoney        *moneyBag `json:"shop_money"`
	PresentmentMoney *moneyBag `json:"presentment_money"`
}

type moneyBag struct {
	Amount       amount `json:"amount"`
	CurrencyCode string `json:"currency_code"`
}

type order struct {
	ID                  json.Number `json:"id"`
	Email               string      `json:"email"`
	Currency            string      `json:"currency"` // the shop's
	PresentmentCurrency string      `json:"presentment_currency"`
	TaxesIncluded       bool        `json:"taxes_included"`
	ProcessedAt         string      `json:"processed_at"`
	CreatedAt           string      `json:"created_at"`
	TotalPriceSet       *moneySet   `json:"total_price_set"`
	LandingSite         string      `json:"landing_site"`
	Customer            *struct {
		Email string `json:"email"`
	} `json:"customer"`
	NoteAttributes []struct {
		Name  string `json:"name"`
		Value any    `json:"value"`
	} `json:"note_attributes"`
	LineItems []lineItem `json:"line_items"`
	// DiscountCodes are the codes the buyer entered at checkout (SPEC 17).
	DiscountCodes []struct {
		Code string `json:"code"`
	} `json:"discount_codes"`
}

type lineItem struct {
	ID                  json.Number `json:"id"`
	SKU                 string      `json:"sku"`
	VariantID           json.Number `json:"variant_id"`
	Quantity            int64       `json:"quantity"`
	Price               amount      `json:"price"`
	PriceSet            *moneySet   `json:"price_set"`
	TotalDiscount       amount      `json:"total_discount"`
	TotalDiscountSet    *moneySet   `json:"total_discount_set"`
	DiscountAllocations []struct {
		Amount    amount    `json:"amount"`
		AmountSet *moneySet `json:"amount_set"`
	} `json:"discount_allocations"`
	TaxLines []struct {
		Price    amount    `json:"price"`
		PriceSet *moneySet `json:"price_set"`
	} `json:"tax_lines"`
}

type refund struct {
	ID              json.Number `json:"id"`
	OrderID         json.Number `json:"order_id"`
	CreatedAt       string      `json:"created_at"`
	ProcessedAt     string      `json:"processed_at"`
	RefundLineItems []struct {
		LineItemID  json.Number `json:"line_item_id"`
		Quantity    int64       `json:"quantity"`
		LineItem    *lineItem   `json:"line_item"`
		Subtotal    amount      `json:"subtotal"`
		SubtotalSet *moneySet   `json:"subtotal_set"`
		TotalTax    amount      `json:"total_tax"`
		TotalTaxSet *moneySet   `json:"total_tax_set"`
	} `json:"refund_line_items"`
	// Transactions are in the currency the buyer paid in (Currency), which
	// is the shop's unless the order was presented in another.
	Transactions []struct {
		Kind      string    `json:"kind"`
		Status    string    `json:"status"`
		Amount    amount    `json:"amount"`
		Currency  string    `json:"currency"`
		AmountSet *moneySet `json:"amount_set"`
	} `json:"transactions"`
	RefundShippingLines []struct {
		SubtotalAmountSet *moneySet `json:"subtotal_amount_set"`
		TaxAmountSet      *moneySet `json:"tax_amount_set"`
	} `json:"refund_shipping_lines"`
	OrderAdjustments []struct {
		Kind         string    `json:"kind"`
		Amount       amount    `json:"amount"`
		AmountSet    *moneySet `json:"amount_set"`
		TaxAmount    amount    `json:"tax_amount"`
		TaxAmountSet *moneySet `json:"tax_amount_set"`
	} `json:"order_adjustments"`
}

func (r *Receiver) handle(ctx context.Context, topic string, body []byte, log *slog.Logger) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	switch topic {
	case "orders/paid":
		var o order
		if err := dec.Decode(&o); err != nil {
			return nil, apierr.BadRequest("invalid_json", "not a Shopify order: %v", err)
		}
		co, err := translateOrder(o)
		if err != nil {
			return nil, err
		}
		return r.rec.Order(ctx, co, log)
	case "refunds/create":
		var rf refund
		if err := dec.Decode(&rf); err != nil {
			return nil, apierr.BadRequest("invalid_json", "not a Shopify refund: %v", err)
		}
		p, err := r.rec.Rules(ctx)
		if err != nil {
			return nil, err
		}
		cr, err := translateRefund(rf, p.Currency, func() (*webhooks.Presentment, error) {
			return r.rec.OrderPresentment(ctx, "shopify:"+rf.OrderID.String())
		})
		if err != nil {
			return nil, err
		}
		if len(cr.Items) == 0 && cr.Amount == 0 {
			return webhooks.Ignored{Ignored: topic, Reason: "it gives back no money for the order's lines (shipping only, or nothing)"}, nil
		}
		return r.rec.Refund(ctx, cr, log)
	}
	return webhooks.Ignored{Ignored: topic}, nil
}

// amounts reads a payload's amounts in one currency, keeping every
// malformed one: Shopify will send the same bytes again, so they are
// answered as unapplied (422 invalid_amount), never as a retry.
type amounts struct {
	currency string
	bad      map[string]string
}

// shop is an amount in the shop's money: the set's shop_money where there
// is one, else the plain amount; "" is 0.
func (a *amounts) shop(field string, plain amount, set *moneySet) int64 {
	v := plain
	if set != nil && set.ShopMoney != nil && set.ShopMoney.Amount != "" {
		v = set.ShopMoney.Amount
		if c := set.ShopMoney.CurrencyCode; c != "" && !strings.EqualFold(c, a.currency) {
			a.bad[field] = fmt.Sprintf("shop_money is in %s, not the shop's %s", c, a.currency)
			return 0
		}
	}
	return a.parse(field, v, a.currency)
}

func (a *amounts) parse(field string, v amount, currency string) int64 {
	if v == "" {
		return 0
	}
	n, err := money.ParseDecimal(string(v), currency)
	if err != nil {
		a.bad[field] = fmt.Sprintf("%q is not an amount of %s", v, currency)
	}
	return n
}

func (a *amounts) err() error {
	if len(a.bad) == 0 {
		return nil
	}
	e := apierr.Unprocessable("invalid_amount", "amounts that are not exact amounts of their currency")
	e.Fields = a.bad
	return e
}

// translateOrder turns orders/paid into a paid order. A line's amount, the
// commission basis, is what the buyer paid for it before tax: price ×
// quantity, less its discounts, less its tax when the shop's prices include
// tax (SPEC 10).
func translateOrder(o order) (webhooks.CheckoutOrder, error) {
	f := map[string]string{}
	am := amounts{currency: o.Currency, bad: map[string]string{}}
	co := webhooks.CheckoutOrder{ID: "shopify:" + o.ID.String(), Currency: o.Currency, Email: strings.TrimSpace(o.Email)}
	if o.ID == "" {
		f["id"] = "is required"
	}
	if co.Email == "" && o.Customer != nil {
		co.Email = strings.TrimSpace(o.Customer.Email)
	}
	co.OccurredAt = instant(f, "processed_at", o.ProcessedAt, "created_at", o.CreatedAt)
	for _, a := range o.NoteAttributes {
		if v, ok := a.Value.(string); ok && a.Name == "tally_click" && v != "" {
			co.Click = v
		}
	}
	if co.Click == "" && o.LandingSite != "" {
		if u, err := url.Parse(o.LandingSite); err == nil {
			co.Click = u.Query().Get("tally_click")
		}
	}
	for _, d := range o.DiscountCodes {
		if c := strings.TrimSpace(d.Code); c != "" {
			co.Coupons = append(co.Coupons, c)
		}
	}
	for i, li := range o.LineItems {
		at := fmt.Sprintf("line_items[%d]", i)
		if li.Price == "" && (li.PriceSet == nil || li.PriceSet.ShopMoney == nil) {
			f[at+".price"] = "is required"
			continue
		}
		price := am.shop(at+".price", li.Price, li.PriceSet)
		if li.Quantity < 1 || li.Quantity > 1_000_000 || price < 0 || price > 1_000_000_000_000 {
			f[at] = "quantity or price out of range"
			continue
		}
		var allocated, tax int64
		for j, d := range li.DiscountAllocations {
			allocated += am.shop(fmt.Sprintf("%s.discount_allocations[%d].amount", at, j), d.Amount, d.AmountSet)
		}
		// total_discount and discount_allocations are two views of one
		// discount (Shopify fills either or both): count it once.
		discount := max(allocated, am.shop(at+".total_discount", li.TotalDiscount, li.TotalDiscountSet))
		for j, t := range li.TaxLines {
			tax += am.shop(fmt.Sprintf("%s.tax_lines[%d].price", at, j), t.Price, t.PriceSet)
		}
		paid := price*li.Quantity - discount // tax included when the shop's prices include it
		basis := paid
		if o.TaxesIncluded {
			basis -= tax
		} else {
			paid += tax
		}
		if discount < 0 || tax < 0 || basis < 0 {
			am.bad[at] = "its discounts and tax are negative or more than its price"
			continue
		}
		co.Lines = append(co.Lines, commission.Line{SKU: skuOf(li), Quantity: li.Quantity, AmountCents: basis, PaidCents: paid})
		co.LineIDs = append(co.LineIDs, li.ID.String())
		co.PaidCents += paid // the amount rule's A: lines and their tax, never shipping
	}
	if s := o.TotalPriceSet; o.PresentmentCurrency != "" && !strings.EqualFold(o.PresentmentCurrency, o.Currency) &&
		s != nil && s.ShopMoney != nil && s.PresentmentMoney != nil {
		p := &webhooks.Presentment{Currency: strings.ToUpper(o.PresentmentCurrency)}
		p.ShopTotal = am.shop("total_price_set.shop_money", "", s)
		p.Total = am.parse("total_price_set.presentment_money", s.PresentmentMoney.Amount, p.Currency)
		if p.Total > 0 && p.ShopTotal > 0 {
			co.Presentment = p
		}
	}
	if len(f) > 0 {
		return co, apierr.Invalid(f)
	}
	return co, am.err()
}

// skuOf is a line's SKU: its sku, else its variant's id, else its own id
// (a custom line, of kind other).
func skuOf(li lineItem) string {
	switch {
	case strings.TrimSpace(li.SKU) != "":
		return strings.TrimSpace(li.SKU)
	case li.VariantID != "":
		return li.VariantID.String()
	}
	return "shopify-line:" + li.ID.String()
}

// translateRefund turns refunds/create into a refund of units (each with
// the money Shopify gives back for them, its subtotal and tax) and of the
// money of its successful refund transactions less what they gave back for
// shipping, all in the shop's money. A transaction in the buyer's currency
// is converted at the order's own rate, which presentment reads.
func translateRefund(rf refund, currency string, presentment func() (*webhooks.Presentment, error)) (webhooks.CheckoutRefund, error) {
	f := map[string]string{}
	am := amounts{currency: currency, bad: map[string]string{}}
	cr := webhooks.CheckoutRefund{ID: "shopify:" + rf.ID.String(), OrderID: "shopify:" + rf.OrderID.String()}
	if rf.ID == "" || rf.OrderID == "" {
		f["id"] = "id and order_id are required"
	}
	cr.OccurredAt = instant(f, "processed_at", rf.ProcessedAt, "created_at", rf.CreatedAt)
	var paid int64
	for i, t := range rf.Transactions {
		if t.Kind != "refund" || t.Status != "success" {
			continue
		}
		at := fmt.Sprintf("transactions[%d].amount", i)
		switch {
		case t.AmountSet != nil && t.AmountSet.ShopMoney != nil:
			paid += am.shop(at, "", t.AmountSet)
		case t.Currency == "" || strings.EqualFold(t.Currency, currency):
			paid += am.parse(at, t.Amount, currency)
		default:
			a := am.parse(at, t.Amount, t.Currency)
			p, err := presentment()
			if err != nil {
				return cr, err
			}
			if p == nil || !strings.EqualFold(p.Currency, t.Currency) {
				return cr, apierr.Unprocessable("currency_mismatch", "transaction %d is in %s, and order %s has no rate from %s to the shop's %s",
					i, t.Currency, cr.OrderID, t.Currency, currency)
			}
			paid += money.Prorate(a, p.ShopTotal, p.Total)
		}
	}
	// Shipping given back: Shopify tells it as refund_shipping_lines and as
	// order_adjustments of kind shipping_refund (newer payloads carry both
	// for one refund), so the larger of the two is taken, never their sum.
	var lines, adjusted int64
	for i, s := range rf.RefundShippingLines {
		at := fmt.Sprintf("refund_shipping_lines[%d]", i)
		lines += am.shop(at+".subtotal_amount_set", "", s.SubtotalAmountSet) + am.shop(at+".tax_amount_set", "", s.TaxAmountSet)
	}
	for i, a := range rf.OrderAdjustments {
		if a.Kind != "shipping_refund" {
			continue
		}
		at := fmt.Sprintf("order_adjustments[%d]", i)
		adjusted += abs(am.shop(at+".amount", a.Amount, a.AmountSet)) + abs(am.shop(at+".tax_amount", a.TaxAmount, a.TaxAmountSet))
	}
	cr.Amount = max(0, paid-max(lines, adjusted))

	at := map[string]int{}
	for i, rl := range rf.RefundLineItems {
		field := fmt.Sprintf("refund_line_items[%d]", i)
		if rl.LineItem == nil || rl.Quantity < 1 {
			f[field] = "needs its line_item and a quantity"
			continue
		}
		cap := am.shop(field+".subtotal", rl.Subtotal, rl.SubtotalSet) + am.shop(field+".total_tax", rl.TotalTax, rl.TotalTaxSet)
		sku := skuOf(*rl.LineItem)
		if j, ok := at[sku]; ok {
			cr.Items[j].Quantity += rl.Quantity
			cr.Items[j].MoneyCapCents += cap
			continue
		}
		at[sku] = len(cr.Items)
		cr.Items = append(cr.Items, webhooks.RefundItem{SKU: sku, Quantity: rl.Quantity, MoneyCapCents: cap})
	}
	if len(f) > 0 {
		return cr, apierr.Invalid(f)
	}
	return cr, am.err()
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// instant is the first of two RFC 3339 times that is set.
func instant(f map[string]string, name, v, elseName, elseV string) time.Time {
	if v == "" {
		name, v = elseName, elseV
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		f[name] = "must be an RFC 3339 time"
	}
	return t.UTC()
}
