// Package shopifyhook receives Shopify's webhooks (SPEC 10): it checks
// Shopify's HMAC and translates orders/paid and refunds/create into the
// orders and refunds of section 4, recorded by shared/webhooks. Shopify's
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

	"github.com/tallyhq/tally/shared/apierr"
	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/commission"
	"github.com/tallyhq/tally/shared/money"
	"github.com/tallyhq/tally/shared/webhooks"
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
	var secrets [][]byte
	for _, s := range strings.Fields(d.Config.ShopifySecrets) {
		secrets = append(secrets, []byte(s))
	}
	if len(secrets) == 0 {
		d.Fatal("TALLY_SHOPIFY_SECRET", errors.New("no client secret"))
	}
	r := &Receiver{secrets: secrets, rec: webhooks.NewCheckout(d), log: d.Log}
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

type order struct {
	ID          json.Number `json:"id"`
	Email       string      `json:"email"`
	Currency    string      `json:"currency"`
	ProcessedAt string      `json:"processed_at"`
	CreatedAt   string      `json:"created_at"`
	TotalPrice  string      `json:"total_price"`
	LandingSite string      `json:"landing_site"`
	Customer    *struct {
		Email string `json:"email"`
	} `json:"customer"`
	NoteAttributes []struct {
		Name  string `json:"name"`
		Value any    `json:"value"`
	} `json:"note_attributes"`
	LineItems []lineItem `json:"line_items"`
}

type lineItem struct {
	ID            json.Number `json:"id"`
	SKU           string      `json:"sku"`
	VariantID     json.Number `json:"variant_id"`
	Quantity      int64       `json:"quantity"`
	Price         string      `json:"price"`
	TotalDiscount string      `json:"total_discount"`
}

type refund struct {
	ID              json.Number `json:"id"`
	OrderID         json.Number `json:"order_id"`
	CreatedAt       string      `json:"created_at"`
	ProcessedAt     string      `json:"processed_at"`
	RefundLineItems []struct {
		LineItemID json.Number `json:"line_item_id"`
		Quantity   int64       `json:"quantity"`
		LineItem   *lineItem   `json:"line_item"`
	} `json:"refund_line_items"`
	Transactions []struct {
		Kind     string `json:"kind"`
		Status   string `json:"status"`
		Amount   string `json:"amount"`
		Currency string `json:"currency"`
	} `json:"transactions"`
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
		p, err := r.rec.Program(ctx)
		if err != nil {
			return nil, err
		}
		cr, err := translateRefund(rf, p.Currency)
		if err != nil {
			return nil, err
		}
		return r.rec.Refund(ctx, cr, log)
	}
	return webhooks.Ignored{Ignored: topic}, nil
}

// translateOrder turns orders/paid into a paid order.
func translateOrder(o order) (webhooks.CheckoutOrder, error) {
	f := map[string]string{}
	co := webhooks.CheckoutOrder{ID: "shopify:" + o.ID.String(), Currency: o.Currency, Email: o.Email}
	if o.ID == "" {
		f["id"] = "is required"
	}
	if co.Email == "" && o.Customer != nil {
		co.Email = o.Customer.Email
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
	var err error
	if co.PaidCents, err = money.ParseDecimal(o.TotalPrice, o.Currency); err != nil {
		f["total_price"] = fmt.Sprintf("%q is not an amount of %s", o.TotalPrice, o.Currency)
	}
	for i, li := range o.LineItems {
		at := fmt.Sprintf("line_items[%d]", i)
		price, err := money.ParseDecimal(li.Price, o.Currency)
		if err != nil {
			f[at+".price"] = fmt.Sprintf("%q is not an amount of %s", li.Price, o.Currency)
		}
		disc := int64(0)
		if li.TotalDiscount != "" {
			if disc, err = money.ParseDecimal(li.TotalDiscount, o.Currency); err != nil {
				f[at+".total_discount"] = fmt.Sprintf("%q is not an amount of %s", li.TotalDiscount, o.Currency)
			}
		}
		if li.Quantity < 1 || li.Quantity > 1_000_000 || price < 0 || price > 1_000_000_000_000 {
			f[at] = "quantity or price out of range"
			continue
		}
		co.Lines = append(co.Lines, commission.Line{SKU: skuOf(li), Quantity: li.Quantity, AmountCents: price*li.Quantity - disc})
	}
	if len(f) > 0 {
		return co, apierr.Invalid(f)
	}
	return co, nil
}

// skuOf is a line's SKU: its sku, else its variant's id, else its own id.
func skuOf(li lineItem) string {
	switch {
	case li.SKU != "":
		return li.SKU
	case li.VariantID != "":
		return li.VariantID.String()
	}
	return "line-" + li.ID.String()
}

// translateRefund turns refunds/create into a refund of units, or, with no
// line items, of the money of its successful refund transactions.
func translateRefund(rf refund, currency string) (webhooks.CheckoutRefund, error) {
	f := map[string]string{}
	cr := webhooks.CheckoutRefund{ID: "shopify:" + rf.ID.String(), OrderID: "shopify:" + rf.OrderID.String()}
	if rf.ID == "" || rf.OrderID == "" {
		f["id"] = "id and order_id are required"
	}
	cr.OccurredAt = instant(f, "processed_at", rf.ProcessedAt, "created_at", rf.CreatedAt)
	for i, t := range rf.Transactions {
		if t.Kind != "refund" || t.Status != "success" {
			continue
		}
		cur := t.Currency
		if cur == "" {
			cur = currency
		}
		a, err := money.ParseDecimal(t.Amount, cur)
		if err != nil || a < 0 {
			f[fmt.Sprintf("transactions[%d].amount", i)] = fmt.Sprintf("%q is not an amount of %s", t.Amount, cur)
		}
		cr.Amount += a
	}
	units := map[string]int64{}
	var order []string
	for i, rl := range rf.RefundLineItems {
		if rl.LineItem == nil || rl.Quantity < 1 {
			f[fmt.Sprintf("refund_line_items[%d]", i)] = "needs its line_item and a quantity"
			continue
		}
		sku := skuOf(*rl.LineItem)
		if _, ok := units[sku]; !ok {
			order = append(order, sku)
		}
		units[sku] += rl.Quantity
	}
	for _, sku := range order {
		cr.Items = append(cr.Items, webhooks.RefundItem{SKU: sku, Quantity: units[sku]})
	}
	if len(cr.Items) == 0 && cr.Amount == 0 {
		f["transactions"] = "a refund with no line items needs a successful refund transaction"
	}
	if len(f) > 0 {
		return cr, apierr.Invalid(f)
	}
	return cr, nil
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
