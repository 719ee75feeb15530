package stripehook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stripe/stripe-go/v85"
)

// DefaultAPIURL is Stripe's API.
const DefaultAPIURL = "https://api.stripe.com"

// Line is one line as Tally counts it.
type Line struct {
	ID       string // Stripe's line item id
	SKU      string
	Quantity int64
	Amount   int64 // what the buyer paid for it before tax
	Paid     int64 // and with tax
}

// Session is what a subscription's checkout says about who referred it.
type Session struct {
	ID, Click, Affiliate string
	Created              time.Time
	// PromotionCodes are the promotion codes applied to it (ids, or codes
	// when Stripe gave them).
	PromotionCodes []PromotionCode
}

// PromotionCode is a Stripe promotion code: its id, and the code the buyer
// typed ("" until read).
type PromotionCode struct {
	ID   string `json:"id"`
	Code string `json:"code"`
}

// Settlement is what Stripe put in the account's balance for a payment:
// its balance transaction's gross amount, in the currency the account
// settles in.
type Settlement struct {
	Currency     string // upper-case
	Amount       int64  // in Currency's minor units
	ExchangeRate float64
}

// API is the little of Stripe's API the webhook reads (a restricted key:
// Checkout Sessions, Products, Prices, Invoices and Invoice Payments,
// PaymentIntents, Charges and Balance transactions, read only).
type API interface {
	// SessionLines is a session's every line item, prices' products expanded.
	SessionLines(ctx context.Context, sessionID string) ([]Line, error)
	// InvoiceLines is an invoice's every line, from the second page on.
	InvoiceLines(ctx context.Context, invoiceID, after string) ([]invoiceLine, error)
	// PriceSKU is the SKU of a price: its lookup key, else its product's
	// metadata.tally_sku, else the product's id.
	PriceSKU(ctx context.Context, priceID string) (string, error)
	// SessionOf is the checkout session of a payment intent or of a
	// subscription; nil when there is none.
	SessionOf(ctx context.Context, paymentIntent, subscription string) (*Session, error)
	// InvoiceOf is the invoice a payment intent paid; "" when none.
	InvoiceOf(ctx context.Context, paymentIntent string) (string, error)
	// SessionSettled is how a Checkout Session's payment settled: its
	// payment intent's latest charge's balance transaction. None when the
	// session has no charge.
	SessionSettled(ctx context.Context, sessionID string) ([]Settlement, error)
	// InvoiceSettled is how each paid payment of an invoice settled.
	InvoiceSettled(ctx context.Context, invoiceID string) ([]Settlement, error)
	// SessionPromotionCodes are the promotion codes applied to a session,
	// for events whose session does not name them.
	SessionPromotionCodes(ctx context.Context, sessionID string) ([]PromotionCode, error)
	// PromotionCode is the customer-facing code of a promotion code.
	PromotionCode(ctx context.Context, id string) (string, error)
}

// ErrNotSettled is a charge whose balance transaction Stripe has not made
// yet: a retry may find it.
var ErrNotSettled = errors.New("stripe: the charge has no balance transaction yet")

// Client reads Stripe's API with stripe-go.
type Client struct {
	sc *stripe.Client

	mu    sync.Mutex
	codes map[string]string // promotion code id -> code: Stripe never changes a code
}

// NewClient builds the API client once per cold start; hc may be nil.
func NewClient(key, url string, hc *http.Client) *Client {
	if url == "" {
		url = DefaultAPIURL
	}
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	cfg := &stripe.BackendConfig{URL: stripe.String(url), HTTPClient: hc, MaxNetworkRetries: stripe.Int64(1),
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull}} // errors are returned and logged by the handler
	return &Client{sc: stripe.NewClient(key, stripe.WithBackends(stripe.NewBackendsWithConfig(cfg)))}
}

func (c *Client) SessionLines(ctx context.Context, sessionID string) ([]Line, error) {
	p := &stripe.CheckoutSessionListLineItemsParams{Session: stripe.String(sessionID)}
	p.Limit = stripe.Int64(100)
	p.AddExpand("data.price.product")
	var out []Line
	for li, err := range c.sc.V1CheckoutSessions.ListLineItems(ctx, p).All(ctx) {
		if err != nil {
			return nil, fmt.Errorf("stripe: line items of %s: %w", sessionID, err)
		}
		out = append(out, Line{ID: li.ID, SKU: skuOf(li.Price), Quantity: li.Quantity, Amount: li.AmountTotal - li.AmountTax, Paid: li.AmountTotal})
	}
	return out, nil
}

// skuOf is a price's SKU: lookup_key, else product metadata.tally_sku, else
// the product's id.
func skuOf(pr *stripe.Price) string {
	switch {
	case pr == nil:
		return ""
	case pr.LookupKey != "":
		return pr.LookupKey
	case pr.Product == nil:
		return pr.ID
	case pr.Product.Metadata["tally_sku"] != "":
		return pr.Product.Metadata["tally_sku"]
	}
	return pr.Product.ID
}

func (c *Client) PriceSKU(ctx context.Context, priceID string) (string, error) {
	p := &stripe.PriceRetrieveParams{}
	p.AddExpand("product")
	pr, err := c.sc.V1Prices.Retrieve(ctx, priceID, p)
	if err != nil {
		return "", fmt.Errorf("stripe: price %s: %w", priceID, err)
	}
	return skuOf(pr), nil
}

func (c *Client) InvoiceLines(ctx context.Context, invoiceID, after string) ([]invoiceLine, error) {
	p := &stripe.InvoiceListLinesParams{Invoice: stripe.String(invoiceID)}
	p.Limit = stripe.Int64(100)
	p.StartingAfter = stripe.String(after)
	var out []invoiceLine
	for li, err := range c.sc.V1Invoices.ListLines(ctx, p).All(ctx) {
		if err != nil {
			return nil, fmt.Errorf("stripe: lines of %s: %w", invoiceID, err)
		}
		out = append(out, fromAPI(li))
	}
	return out, nil
}

func fromAPI(li *stripe.InvoiceLineItem) invoiceLine {
	l := invoiceLine{ID: li.ID, Amount: li.Amount, Quantity: li.Quantity}
	if pd := li.Pricing; pd != nil && pd.PriceDetails != nil && pd.PriceDetails.Price != nil {
		l.Pricing = &pricing{PriceDetails: &priceDetails{Price: pd.PriceDetails.Price.ID}}
	}
	for _, d := range li.DiscountAmounts {
		l.DiscountAmounts = append(l.DiscountAmounts, amount{Amount: d.Amount})
	}
	for _, d := range li.PretaxCreditAmounts {
		l.PretaxCreditAmounts = append(l.PretaxCreditAmounts, amount{Amount: d.Amount})
	}
	for _, t := range li.Taxes {
		l.Taxes = append(l.Taxes, tax{Amount: t.Amount, TaxBehavior: string(t.TaxBehavior)})
	}
	return l
}

func (c *Client) SessionOf(ctx context.Context, paymentIntent, subscription string) (*Session, error) {
	p := &stripe.CheckoutSessionListParams{}
	p.Limit = stripe.Int64(1)
	if paymentIntent != "" {
		p.PaymentIntent = stripe.String(paymentIntent)
	} else {
		p.Subscription = stripe.String(subscription)
	}
	for s, err := range c.sc.V1CheckoutSessions.List(ctx, p).All(ctx) {
		if err != nil {
			return nil, fmt.Errorf("stripe: session of %s%s: %w", paymentIntent, subscription, err)
		}
		return &Session{ID: s.ID, Click: clickOf(s.ClientReferenceID, s.Metadata), Affiliate: s.Metadata["tally_affiliate"],
			Created: time.Unix(s.Created, 0).UTC(), PromotionCodes: sessionCodes(s)}, nil
	}
	return nil, nil
}

func (c *Client) InvoiceOf(ctx context.Context, paymentIntent string) (string, error) {
	p := &stripe.InvoicePaymentListParams{Payment: &stripe.InvoicePaymentListPaymentParams{
		Type: stripe.String("payment_intent"), PaymentIntent: stripe.String(paymentIntent)}}
	p.Limit = stripe.Int64(1)
	for ip, err := range c.sc.V1InvoicePayments.List(ctx, p).All(ctx) {
		if err != nil {
			return "", fmt.Errorf("stripe: invoice of %s: %w", paymentIntent, err)
		}
		if ip.Invoice != nil {
			return ip.Invoice.ID, nil
		}
	}
	return "", nil
}

// clickOf is the click a session carries: client_reference_id, else
// metadata.tally_click.
func clickOf(ref string, md map[string]string) string {
	if ref != "" {
		return ref
	}
	return md["tally_click"]
}

func (c *Client) SessionSettled(ctx context.Context, sessionID string) ([]Settlement, error) {
	p := &stripe.CheckoutSessionRetrieveParams{}
	p.AddExpand("payment_intent.latest_charge.balance_transaction")
	s, err := c.sc.V1CheckoutSessions.Retrieve(ctx, sessionID, p)
	if err != nil {
		return nil, fmt.Errorf("stripe: the payment of %s: %w", sessionID, err)
	}
	if s.PaymentIntent == nil || s.PaymentIntent.LatestCharge == nil {
		return nil, nil
	}
	st, err := settled(s.PaymentIntent.LatestCharge)
	if err != nil {
		return nil, err
	}
	return []Settlement{st}, nil
}

// InvoiceSettled reads the invoice's paid payments, then each one's charge
// with its balance transaction: Stripe expands at most four levels, and
// data.payment.payment_intent.latest_charge.balance_transaction is five.
func (c *Client) InvoiceSettled(ctx context.Context, invoiceID string) ([]Settlement, error) {
	p := &stripe.InvoicePaymentListParams{Invoice: stripe.String(invoiceID), Status: stripe.String("paid")}
	p.Limit = stripe.Int64(100)
	var out []Settlement
	for ip, err := range c.sc.V1InvoicePayments.List(ctx, p).All(ctx) {
		if err != nil {
			return nil, fmt.Errorf("stripe: payments of %s: %w", invoiceID, err)
		}
		var pi, ch string
		if pm := ip.Payment; pm != nil && pm.PaymentIntent != nil {
			pi = pm.PaymentIntent.ID
		} else if pm != nil && pm.Charge != nil {
			ch = pm.Charge.ID
		}
		if pi == "" && ch == "" {
			continue // paid outside Stripe (a payment record): no balance transaction
		}
		st, err := c.paymentSettled(ctx, pi, ch)
		if err != nil {
			return nil, err
		}
		if st != nil {
			out = append(out, *st)
		}
	}
	return out, nil
}

// paymentSettled is how a payment intent's latest charge, or a charge,
// settled; nil when the payment intent has no charge.
func (c *Client) paymentSettled(ctx context.Context, paymentIntent, charge string) (*Settlement, error) {
	var ch *stripe.Charge
	if paymentIntent != "" {
		p := &stripe.PaymentIntentRetrieveParams{}
		p.AddExpand("latest_charge.balance_transaction")
		pi, err := c.sc.V1PaymentIntents.Retrieve(ctx, paymentIntent, p)
		if err != nil {
			return nil, fmt.Errorf("stripe: payment intent %s: %w", paymentIntent, err)
		}
		if ch = pi.LatestCharge; ch == nil {
			return nil, nil
		}
	} else {
		p := &stripe.ChargeRetrieveParams{}
		p.AddExpand("balance_transaction")
		var err error
		if ch, err = c.sc.V1Charges.Retrieve(ctx, charge, p); err != nil {
			return nil, fmt.Errorf("stripe: charge %s: %w", charge, err)
		}
	}
	st, err := settled(ch)
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// settled is a charge's expanded balance transaction.
func settled(ch *stripe.Charge) (Settlement, error) {
	bt := ch.BalanceTransaction
	switch {
	case bt == nil:
		return Settlement{}, fmt.Errorf("%w (charge %s)", ErrNotSettled, ch.ID)
	case bt.Currency == "": // its id only: Stripe did not expand it
		return Settlement{}, fmt.Errorf("stripe: balance transaction %s of charge %s came unexpanded", bt.ID, ch.ID)
	}
	return Settlement{Currency: strings.ToUpper(string(bt.Currency)), Amount: bt.Amount, ExchangeRate: bt.ExchangeRate}, nil
}

// sessionCodes are the promotion codes a session names: its discounts, and
// its total_details' breakdown when expanded.
func sessionCodes(s *stripe.CheckoutSession) []PromotionCode {
	var out []PromotionCode
	seen := map[string]bool{}
	add := func(pc *stripe.PromotionCode) {
		if pc != nil && pc.ID != "" && !seen[pc.ID] {
			seen[pc.ID] = true
			out = append(out, PromotionCode{ID: pc.ID, Code: pc.Code})
		}
	}
	for _, d := range s.Discounts {
		if d != nil {
			add(d.PromotionCode)
		}
	}
	if t := s.TotalDetails; t != nil && t.Breakdown != nil {
		for _, d := range t.Breakdown.Discounts {
			if d != nil && d.Discount != nil {
				add(d.Discount.PromotionCode)
			}
		}
	}
	return out
}

func (c *Client) SessionPromotionCodes(ctx context.Context, sessionID string) ([]PromotionCode, error) {
	p := &stripe.CheckoutSessionRetrieveParams{}
	p.AddExpand("total_details.breakdown")
	s, err := c.sc.V1CheckoutSessions.Retrieve(ctx, sessionID, p)
	if err != nil {
		return nil, fmt.Errorf("stripe: discounts of %s: %w", sessionID, err)
	}
	return sessionCodes(s), nil
}

// maxCodes bounds the promotion codes a warm function remembers.
const maxCodes = 10000

func (c *Client) PromotionCode(ctx context.Context, id string) (string, error) {
	c.mu.Lock()
	code, ok := c.codes[id]
	c.mu.Unlock()
	if ok {
		return code, nil
	}
	pc, err := c.sc.V1PromotionCodes.Retrieve(ctx, id, nil)
	if err != nil {
		return "", fmt.Errorf("stripe: promotion code %s: %w", id, err)
	}
	c.mu.Lock()
	if c.codes == nil || len(c.codes) >= maxCodes {
		c.codes = map[string]string{}
	}
	c.codes[id] = pc.Code
	c.mu.Unlock()
	return pc.Code, nil
}
