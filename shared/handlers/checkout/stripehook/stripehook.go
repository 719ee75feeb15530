// Package stripehook receives Stripe's webhooks (SPEC 10): it checks
// Stripe's signature with stripe-go, reads what the event leaves out (line
// items, the session of a subscription or payment) from Stripe's API, and
// translates paid Checkout Sessions, paid invoices and refunded charges into
// the orders and refunds of section 4, recorded by shared/handlers/checkout/webhooks.
package stripehook

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/commission"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
	"github.com/tallyhq/tally/shared/web/apierr"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Tolerance is how old a signature's timestamp may be.
const Tolerance = 300 * time.Second

// Receiver is the Stripe webhook.
type Receiver struct {
	secrets []string
	api     API
	rec     *webhooks.Checkout
	log     *slog.Logger
	now     func() time.Time
}

// Webhook serves POST /webhooks/stripe, reading Stripe's API with the
// configured restricted key.
func Webhook(d *app.Deps) apigw.Handler {
	return New(d, NewClient(d.Config.StripeAPIKey, d.Config.StripeAPIURL, d.HTTP)).Handler()
}

// New builds the receiver over an API; the endpoint's signing secrets are
// TALLY_STRIPE_WEBHOOK_SECRET, separated by spaces during a rotation.
func New(d *app.Deps, api API) *Receiver {
	s := d.StripeWebhookSecrets()
	d.StripeAPIKey() // the function must be given its key, whichever api reads with it
	// The real clock, not d.Now: stripe-go checks a signature's age against
	// it, and both ends of the tolerance must use the same clock.
	return &Receiver{secrets: s, api: api, rec: webhooks.NewCheckout(d), log: d.Log, now: time.Now}
}

// Handler serves POST /webhooks/stripe.
func (r *Receiver) Handler() apigw.Handler {
	src := r.Source()
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		return r.rec.Serve(ctx, req, src), nil
	}
}

// verify accepts a body signed by any configured secret within Tolerance
// either way: stripe-go checks only that a signature is not too old, so a
// timestamp from the future is refused here.
func (r *Receiver) verify(body []byte, header string) error {
	if t, ok := signedAt(header); ok && t.After(r.now().Add(Tolerance)) {
		return fmt.Errorf("stripe: signature timestamp %s is more than %s in the future", t.Format(time.RFC3339), Tolerance)
	}
	var err error
	for _, s := range r.secrets {
		if err = webhook.ValidatePayloadWithTolerance(body, header, s, Tolerance); err == nil {
			return nil
		}
	}
	return err
}

// signedAt is the t= of a Stripe-Signature header.
func signedAt(header string) (time.Time, bool) {
	for _, part := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "t="); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			return time.Unix(n, 0), err == nil
		}
	}
	return time.Time{}, false
}

// event is the envelope of a Stripe event: only what Tally reads. The
// objects are read by field, not with stripe-go's types, so events of any
// API version an endpoint is pinned to are understood.
type event struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

type session struct {
	ID                string            `json:"id"`
	Mode              string            `json:"mode"`
	PaymentStatus     string            `json:"payment_status"`
	Currency          string            `json:"currency"`
	AmountTotal       int64             `json:"amount_total"`
	ClientReferenceID string            `json:"client_reference_id"`
	Metadata          map[string]string `json:"metadata"`
	CustomerDetails   *struct {
		Email string `json:"email"`
	} `json:"customer_details"`
	ShippingCost *struct {
		AmountTotal int64 `json:"amount_total"`
	} `json:"shipping_cost"`
	// Discounts (API versions from 2025-01-27) name the promotion codes the
	// buyer or the checkout applied; older versions tell only the amount,
	// and total_details.breakdown when expanded.
	Discounts    []discount `json:"discounts"`
	TotalDetails *struct {
		AmountDiscount int64 `json:"amount_discount"`
		Breakdown      *struct {
			Discounts []struct {
				Discount *discount `json:"discount"`
			} `json:"discounts"`
		} `json:"breakdown"`
	} `json:"total_details"`
}

// discount is an applied discount: its promotion code, an id or the
// expanded object.
type discount struct {
	PromotionCode json.RawMessage `json:"promotion_code"`
}

// promotionCodes are the promotion codes a session's discounts name, in
// order, each an id or (expanded) the code itself, once each; asked says
// whether the session tells it (else it must be read).
func (s session) promotionCodes() (codes []PromotionCode, told bool) {
	var ds []discount
	told = s.Discounts != nil
	ds = append(ds, s.Discounts...)
	if t := s.TotalDetails; t != nil && t.Breakdown != nil {
		told = true
		for _, b := range t.Breakdown.Discounts {
			if b.Discount != nil {
				ds = append(ds, *b.Discount)
			}
		}
	}
	if !told && (s.TotalDetails == nil || s.TotalDetails.AmountDiscount == 0) {
		told = true // nothing was discounted: no code to read
	}
	seen := map[string]bool{}
	for _, d := range ds {
		pc, ok := promotionCodeOf(d.PromotionCode)
		if ok && !seen[pc.ID+"|"+pc.Code] {
			seen[pc.ID+"|"+pc.Code] = true
			codes = append(codes, pc)
		}
	}
	return codes, told
}

// promotionCodeOf reads a promotion_code field: an id, or the object.
func promotionCodeOf(raw json.RawMessage) (PromotionCode, bool) {
	var id string
	if json.Unmarshal(raw, &id) == nil {
		return PromotionCode{ID: id}, id != ""
	}
	var o PromotionCode
	if json.Unmarshal(raw, &o) == nil && (o.ID != "" || o.Code != "") {
		return o, true
	}
	return PromotionCode{}, false
}

type charge struct {
	ID             string `json:"id"`
	AmountRefunded int64  `json:"amount_refunded"`
	PaymentIntent  string `json:"payment_intent"`
	Invoice        string `json:"invoice"` // API versions before 2025-03-31
}

type invoice struct {
	ID                string `json:"id"`
	AmountPaid        int64  `json:"amount_paid"`
	AmountShipping    int64  `json:"amount_shipping"`
	Currency          string `json:"currency"`
	CustomerEmail     string `json:"customer_email"`
	BillingReason     string `json:"billing_reason"`
	Subscription      string `json:"subscription"` // API versions before 2025-03-31
	StatusTransitions struct {
		PaidAt int64 `json:"paid_at"`
	} `json:"status_transitions"`
	Parent *struct {
		SubscriptionDetails *struct {
			Subscription string `json:"subscription"`
		} `json:"subscription_details"`
	} `json:"parent"`
	Lines struct {
		Data    []invoiceLine `json:"data"`
		HasMore bool          `json:"has_more"`
	} `json:"lines"`
}

type invoiceLine struct {
	ID       string `json:"id"`
	Amount   int64  `json:"amount"`
	Quantity int64  `json:"quantity"`
	Price    *struct {
		ID string `json:"id"`
	} `json:"price"` // API versions before 2025-03-31
	Pricing             *pricing `json:"pricing"`
	DiscountAmounts     []amount `json:"discount_amounts"`
	PretaxCreditAmounts []amount `json:"pretax_credit_amounts"`
	Taxes               []tax    `json:"taxes"`
	TaxAmounts          []struct {
		Amount    int64 `json:"amount"`
		Inclusive bool  `json:"inclusive"`
	} `json:"tax_amounts"` // API versions before 2025-03-31
}

type pricing struct {
	PriceDetails *priceDetails `json:"price_details"`
}

type priceDetails struct {
	Price string `json:"price"`
}

type amount struct {
	Amount int64 `json:"amount"`
}

type tax struct {
	Amount      int64  `json:"amount"`
	TaxBehavior string `json:"tax_behavior"`
}

func (r *Receiver) handle(ctx context.Context, body []byte, log *slog.Logger) (any, error) {
	var e event
	if err := json.Unmarshal(body, &e); err != nil || e.ID == "" || e.Type == "" {
		return nil, apierr.BadRequest("invalid_json", "not a Stripe event")
	}
	log = log.With("stripe_event", e.ID, "stripe_type", e.Type)
	at := time.Unix(e.Created, 0).UTC()
	switch e.Type {
	case "checkout.session.completed", "checkout.session.async_payment_succeeded":
		var s session
		if err := decode(e, &s); err != nil {
			return nil, err
		}
		return r.session(ctx, e, s, at, log)
	case "charge.refunded":
		var c charge
		if err := decode(e, &c); err != nil {
			return nil, err
		}
		return r.refund(ctx, e, c, at, log)
	case "invoice.paid":
		var in invoice
		if err := decode(e, &in); err != nil {
			return nil, err
		}
		return r.invoice(ctx, e, in, at, log)
	}
	return webhooks.Ignored{Ignored: e.Type}, nil
}

func decode(e event, v any) error {
	if err := json.Unmarshal(e.Data.Object, v); err != nil {
		return apierr.Invalid(map[string]string{"data.object": "not a " + strings.SplitN(e.Type, ".", 2)[0] + ": " + err.Error()})
	}
	return nil
}

// session records a paid Checkout Session in payment mode as an order.
func (r *Receiver) session(ctx context.Context, e event, s session, at time.Time, log *slog.Logger) (any, error) {
	switch {
	case s.Mode != "payment":
		return webhooks.Ignored{Ignored: e.Type, Reason: "a session in " + s.Mode + " mode records no order (its invoices do)"}, nil
	case s.PaymentStatus != "paid":
		return webhooks.Ignored{Ignored: e.Type, Reason: "payment_status is " + s.PaymentStatus}, nil
	case s.ID == "":
		return nil, apierr.Invalid(map[string]string{"data.object.id": "is required"})
	}
	lines, err := r.api.SessionLines(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	o := webhooks.CheckoutOrder{ID: "stripe:" + s.ID, OccurredAt: at, Currency: s.Currency,
		Click: clickOf(s.ClientReferenceID, s.Metadata), Affiliate: s.Metadata["tally_affiliate"],
		PaidCents: s.AmountTotal}
	if s.ShippingCost != nil { // shipping is outside the amount rule's A
		o.PaidCents -= s.ShippingCost.AmountTotal
	}
	o.Lines, o.LineIDs = orderLines(lines)
	if s.CustomerDetails != nil {
		o.Email = s.CustomerDetails.Email
	}
	if o.Coupons, err = r.couponsOf(ctx, s); err != nil {
		return nil, err
	}
	settled := func() ([]Settlement, error) { return r.api.SessionSettled(ctx, s.ID) }
	if err := r.convert(ctx, &o, s.AmountTotal, settled, log); err != nil {
		return nil, err
	}
	return r.rec.Order(ctx, o, log)
}

// convert puts an order the buyer paid in another currency than the
// program's into the program's, at the rate Stripe settled its payment at
// (SPEC 10, other currencies): the lines' total is round(settled × Σ line
// amounts / total), total being what the buyer was charged in all (a
// session's amount_total, an invoice's amount_paid), shared over the lines
// in proportion by largest remainder so they add up to it exactly. What
// the buyer paid (PaidCents, the amount rule's A) stays in the charge's
// currency, the currency of Stripe's refunds. An account that settles in
// another currency than the program's cannot convert: currency_mismatch.
func (r *Receiver) convert(ctx context.Context, o *webhooks.CheckoutOrder, total int64, read func() ([]Settlement, error), log *slog.Logger) error {
	p, err := r.rec.Rules(ctx)
	if err != nil {
		return fmt.Errorf("program: %w", err)
	}
	cur := strings.ToUpper(o.Currency)
	if cur == p.Currency {
		return nil
	}
	var settled int64
	if total > 0 { // a free order has no payment, and nothing to convert
		ss, err := read()
		if err != nil {
			return err
		}
		for _, s := range ss {
			if s.Currency != p.Currency {
				return apierr.Unprocessable("currency_mismatch", "the buyer paid in %s and the Stripe account settled it in %s, not the program's %s: "+
					"Tally converts a payment only when Stripe settles it in the program's currency", cur, s.Currency, p.Currency)
			}
			settled += s.Amount
		}
		if len(ss) == 0 || settled <= 0 {
			return apierr.Unprocessable("currency_mismatch", "the order is in %s, not the program's %s, and Stripe has no settled charge to convert it by", cur, p.Currency)
		}
		log.Info("order converted at the rate its payment settled at", "currency", cur, "total", total,
			"settled_currency", p.Currency, "settled", settled, "exchange_rate", ss[0].ExchangeRate)
	}
	amounts := make([]int64, len(o.Lines))
	for i, l := range o.Lines {
		amounts[i] = l.Amount()
	}
	conv, err := convertLines(amounts, settled, total)
	if err != nil {
		return apierr.Unprocessable("currency_mismatch", "the order's %s %d, settled as %s %d: %v", cur, total, p.Currency, settled, err)
	}
	for i := range o.Lines {
		o.Lines[i].AmountCents, o.Lines[i].UnitPriceCents = conv[i], 0
	}
	o.Currency, o.Original = p.Currency, &webhooks.Original{Currency: cur, Amounts: amounts}
	return nil
}

// convertLines is line amounts in the buyer's currency converted at the
// rate settled/total (both amounts of one payment, in minor units, so the
// currencies' exponents need no care): the lines' sum is
// round(settled × Σ amounts / total), half away from zero, shared over the
// lines in proportion to their amounts by largest remainder (ties to the
// earlier line). Amounts are >= 0; total 0 converts every line to 0.
func convertLines(amounts []int64, settled, total int64) ([]int64, error) {
	var sum big.Int
	for _, a := range amounts {
		if a < 0 {
			return nil, fmt.Errorf("a line of %d cannot be converted", a)
		}
		sum.Add(&sum, big.NewInt(a))
	}
	if total <= 0 || settled <= 0 {
		return make([]int64, len(amounts)), nil
	}
	// round(settled × sum / total) = floor((2 × settled × sum + total) / (2 × total)) for positive values.
	n := new(big.Int).Mul(big.NewInt(settled), &sum)
	n.Add(n.Lsh(n, 1), big.NewInt(total))
	n.Quo(n, new(big.Int).Lsh(big.NewInt(total), 1))
	if !n.IsInt64() {
		return nil, fmt.Errorf("the converted total does not fit")
	}
	return largestRemainder(n.Int64(), amounts), nil
}

func orderLines(ls []Line) ([]commission.Line, []string) {
	out, ids := make([]commission.Line, 0, len(ls)), make([]string, 0, len(ls))
	for _, l := range ls {
		out = append(out, commission.Line{SKU: l.SKU, Quantity: l.Quantity, AmountCents: l.Amount, PaidCents: l.Paid})
		ids = append(ids, l.ID)
	}
	return out, ids
}

// refund records the money refunded so far on a charge, as a refund of the
// order its invoice or checkout session made.
func (r *Receiver) refund(ctx context.Context, e event, c charge, at time.Time, log *slog.Logger) (any, error) {
	order := ""
	switch {
	case c.Invoice != "":
		order = c.Invoice
	case c.PaymentIntent != "":
		s, err := r.api.SessionOf(ctx, c.PaymentIntent, "")
		if err != nil {
			return nil, err
		}
		if s != nil {
			order = s.ID
		} else if order, err = r.api.InvoiceOf(ctx, c.PaymentIntent); err != nil {
			return nil, err
		}
	}
	if order == "" {
		return webhooks.Ignored{Ignored: e.Type, Reason: "the charge is of no Checkout Session or invoice"}, nil
	}
	return r.rec.Refund(ctx, webhooks.CheckoutRefund{ID: "stripe:" + e.ID, OrderID: "stripe:" + order, OccurredAt: at,
		Total: c.AmountRefunded, IsTotal: true}, log)
}

// invoice records a paid invoice above 0 of a subscription (or payment
// plan) as an order, referred by the subscription's referrer.
func (r *Receiver) invoice(ctx context.Context, e event, in invoice, at time.Time, log *slog.Logger) (any, error) {
	sub := in.Subscription
	if p := in.Parent; p != nil && p.SubscriptionDetails != nil && p.SubscriptionDetails.Subscription != "" {
		sub = p.SubscriptionDetails.Subscription
	}
	switch {
	case in.AmountPaid <= 0:
		return webhooks.Ignored{Ignored: e.Type, Reason: "nothing was paid"}, nil
	case sub == "":
		// A Checkout Session in payment mode may make an invoice too; its
		// session is the order, so an invoice of no subscription is not.
		return webhooks.Ignored{Ignored: e.Type, Reason: "an invoice of no subscription"}, nil
	}
	if in.StatusTransitions.PaidAt > 0 {
		at = time.Unix(in.StatusTransitions.PaidAt, 0).UTC()
	}
	lines := in.Lines.Data
	if in.Lines.HasMore && len(lines) > 0 {
		more, err := r.api.InvoiceLines(ctx, in.ID, lines[len(lines)-1].ID)
		if err != nil {
			return nil, err
		}
		lines = append(lines, more...)
	}
	ls, err := r.invoiceLines(ctx, lines, log)
	if err != nil {
		return nil, err
	}
	o := webhooks.CheckoutOrder{ID: "stripe:" + in.ID, OccurredAt: at, Currency: in.Currency, Email: in.CustomerEmail,
		PaidCents: in.AmountPaid - in.AmountShipping}
	o.Lines, o.LineIDs = basis(ls, in.AmountPaid-in.AmountShipping)
	settled := func() ([]Settlement, error) { return r.api.InvoiceSettled(ctx, in.ID) }
	if err := r.convert(ctx, &o, in.AmountPaid, settled, log); err != nil {
		return nil, err
	}
	s, err := r.api.SessionOf(ctx, "", sub)
	if err != nil {
		return nil, err
	}
	o.Subscription = &webhooks.Subscription{ID: "stripe:" + sub, Start: at, First: in.BillingReason == "subscription_create"}
	if s != nil {
		o.Subscription.Click, o.Subscription.Affiliate, o.Subscription.Start = s.Click, s.Affiliate, s.Created
		// Read only for the invoice that decides the subscription's
		// referrer: later invoices ignore codes.
		pcs := s.PromotionCodes
		o.Subscription.Coupons = func(ctx context.Context) ([]string, error) { return r.codes(ctx, pcs) }
	}
	return r.rec.Order(ctx, o, log)
}

// couponsOf are the codes of a session's promotion codes (SPEC 17): read
// from the session when its event leaves them out but says something was
// discounted (API versions before 2025-01-27), then each id's code.
func (r *Receiver) couponsOf(ctx context.Context, s session) ([]string, error) {
	pcs, told := s.promotionCodes()
	if !told {
		var err error
		if pcs, err = r.api.SessionPromotionCodes(ctx, s.ID); err != nil {
			return nil, err
		}
	}
	return r.codes(ctx, pcs)
}

// codes are promotion codes' customer-facing codes, each read by its id
// when not known yet.
func (r *Receiver) codes(ctx context.Context, pcs []PromotionCode) ([]string, error) {
	var out []string
	for _, pc := range pcs {
		if pc.Code == "" {
			var err error
			if pc.Code, err = r.api.PromotionCode(ctx, pc.ID); err != nil {
				return nil, err
			}
		}
		if pc.Code != "" {
			out = append(out, pc.Code)
		}
	}
	return out, nil
}

// invLine is an invoice line as Tally counts it, before credits.
type invLine struct {
	id, price, sku string
	quantity       int64
	amount         int64 // after discounts and credits, before tax; below 0 for a credit line
	tax            int64 // every tax on it, inclusive or not
}

// invoiceLines are an invoice's lines: the SKU of each line's price (read
// once per price), the amount after discounts and credits, before tax, and
// its tax. Lines of no price (a custom amount) use the line's id.
func (r *Receiver) invoiceLines(ctx context.Context, in []invoiceLine, log *slog.Logger) ([]invLine, error) {
	skus := map[string]string{}
	var out []invLine
	for _, l := range in {
		il := invLine{id: l.ID, quantity: l.Quantity, amount: l.Amount}
		credits := l.PretaxCreditAmounts
		if credits == nil {
			credits = l.DiscountAmounts
		}
		for _, c := range credits {
			il.amount -= c.Amount
		}
		for _, t := range l.Taxes {
			il.tax += t.Amount
			if t.TaxBehavior == "inclusive" {
				il.amount -= t.Amount
			}
		}
		for _, t := range l.TaxAmounts {
			il.tax += t.Amount
			if t.Inclusive {
				il.amount -= t.Amount
			}
		}
		if l.Pricing != nil && l.Pricing.PriceDetails != nil {
			il.price = l.Pricing.PriceDetails.Price
		} else if l.Price != nil {
			il.price = l.Price.ID
		}
		il.sku = l.ID
		if il.price != "" && il.amount >= 0 {
			if _, ok := skus[il.price]; !ok {
				s, err := r.api.PriceSKU(ctx, il.price)
				if err != nil {
					return nil, err
				}
				skus[il.price] = s
			}
			il.sku = skus[il.price]
		}
		if il.amount >= 0 && il.quantity < 1 {
			log.Info("invoice line left out", "line", l.ID, "amount", il.amount, "quantity", l.Quantity)
			continue
		}
		out = append(out, il)
	}
	return out, nil
}

// basis is what an invoice's lines earn on (SPEC 10, subscriptions):
// credit lines (proration, unused time) first reduce the lines of the same
// price, and what is left of them reduces every line in proportion to its
// amount; the lines then never add up to more than what was paid less tax
// (a customer balance applied pays part of an invoice without a line).
// Proportional shares are by largest remainder, so they add up exactly.
func basis(ls []invLine, paid int64) ([]commission.Line, []string) {
	amounts := make([]int64, 0, len(ls))
	var kept []invLine
	var tax, credit int64
	for _, l := range ls {
		tax += l.tax
		if l.amount >= 0 {
			kept = append(kept, l)
			amounts = append(amounts, l.amount)
		}
	}
	for _, c := range ls {
		if c.amount >= 0 {
			continue
		}
		left := -c.amount
		for i, l := range kept {
			if c.price != "" && l.price == c.price {
				take := min(left, amounts[i])
				amounts[i], left = amounts[i]-take, left-take
			}
		}
		credit += left
	}
	var total int64
	for _, a := range amounts {
		total += a
	}
	if limit := max(0, min(total-credit, paid-tax)); limit < total {
		amounts = largestRemainder(limit, amounts)
	}
	lines, ids := make([]commission.Line, len(kept)), make([]string, len(kept))
	for i, l := range kept {
		lines[i], ids[i] = commission.Line{SKU: l.sku, Quantity: l.quantity, AmountCents: amounts[i]}, l.id
	}
	return lines, ids
}

// largestRemainder shares n over weights in proportion: each gets the
// floor of its share, and what is left goes one by one to the largest
// remainders (ties to the earlier). n >= 0, weights >= 0.
func largestRemainder(n int64, weights []int64) []int64 {
	out := make([]int64, len(weights))
	var sum big.Int
	for _, w := range weights {
		sum.Add(&sum, big.NewInt(w))
	}
	if sum.Sign() == 0 {
		return out
	}
	rems := make([]*big.Int, len(weights))
	left := n
	for i, w := range weights {
		var q, r big.Int
		q.QuoRem(new(big.Int).Mul(big.NewInt(n), big.NewInt(w)), &sum, &r)
		out[i], rems[i] = q.Int64(), &r
		left -= out[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rems[order[a]].Cmp(rems[order[b]]) > 0 })
	for _, i := range order[:left] {
		out[i]++
	}
	return out
}
