package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/attribution"
	"github.com/tallyhq/tally/shared/domain/commission"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web/apierr"
)

// checkoutHash stands for the payload of every record a checkout's webhook
// makes: the id is the checkout's own (a session, an order, an event), so a
// later delivery under it is the same order even when the event around it
// differs (Stripe's completed and async_payment_succeeded of one session),
// and answers what the first recorded.
const checkoutHash = "checkout"

// Checkout records the orders and refunds that a checkout's own webhooks
// (Stripe, Shopify: SPEC 10) were translated into, through the same
// attribution, commissions and exactly-once recording as /webhooks/orders.
type Checkout struct {
	r *receiver
}

// NewCheckout builds the recorder once per cold start.
func NewCheckout(d *app.Deps) *Checkout {
	return &Checkout{r: newRecorder(d)}
}

// CheckoutOrder is a paid order as a checkout tells it.
type CheckoutOrder struct {
	ID         string
	OccurredAt time.Time
	Currency   string
	Email      string // "" for an order with no buyer's email (POS, some drafts)
	Click      string // a click token, either form
	Affiliate  string
	// Coupons are the order's coupon codes (a Stripe session's promotion
	// codes, a Shopify order's discount codes), in order. A subscription's
	// invoice ignores them: its referrer is the subscription's.
	Coupons []string
	Lines   []commission.Line // lines of one SKU are merged
	// LineIDs are the checkout's own ids of Lines, one each (optional),
	// kept on the order for refunds that name them.
	LineIDs   []string
	PaidCents int64 // what the buyer paid for the lines, tax included, shipping not
	// Presentment, when set, is the order's own rate from the buyer's
	// currency to the shop's.
	Presentment *Presentment
	// Subscription, when set, makes this a subscription's invoice: its
	// referrer is the subscription's, not the invoice's.
	Subscription *Subscription
	// Original, when set, says the buyer paid in another currency and the
	// checkout converted Lines to Currency; PaidCents stays in the buyer's
	// currency, as the checkout's refunds are (SPEC 10, other currencies).
	Original *Original
}

// Original is an order's lines in the currency the buyer paid in, before
// they were converted: every commission keeps its line's amount in it.
type Original struct {
	Currency string
	Amounts  []int64 // one per CheckoutOrder.Lines, in that currency's minor units
}

// Presentment is an order's total in the currency it was shown to the
// buyer in, and the same total in the shop's money.
type Presentment struct {
	Currency         string
	Total, ShopTotal int64
}

// Subscription is what decides who referred a subscription's invoices at
// its first invoice: the click or affiliate of the checkout that created
// it, checked when it started (cookie_days does not apply to later
// invoices), else the buyer's attribution then. What was decided is stored
// under ID and every later invoice reads it.
type Subscription struct {
	ID               string
	Click, Affiliate string
	// Coupons reads the codes of the checkout that created it (nil: none),
	// only when its first invoice decides who referred it.
	Coupons func(context.Context) ([]string, error)
	Start   time.Time
	First   bool // this is the subscription's first invoice
}

// CheckoutRefund is a refund as a checkout tells it: units of lines
// (with the money the checkout returned for them), money, or both (SPEC 10,
// refunds of items and of money together).
type CheckoutRefund struct {
	ID         string
	OrderID    string
	OccurredAt time.Time
	// Items are the units refunded by items. None: a refund of money only.
	Items []RefundItem
	// Amount is the money of this refund, in the program's currency, shipping
	// left out: for a refund with items, its transactions' total, assigned
	// first to those items up to each MoneyCapCents, the rest to the order.
	Amount  int64
	Total   int64 // or, when IsTotal, the money refunded so far in all (Stripe)
	IsTotal bool
}

// RefundItem is units of one SKU refunded by items, and the most money the
// checkout says it returned for them (a Shopify line's subtotal plus its
// tax; 0: the units' share of the line's amount).
type RefundItem struct {
	SKU           string
	Quantity      int64
	MoneyCapCents int64
}

// Ignored answers an event that records nothing.
type Ignored struct {
	Ignored string `json:"ignored"`
	Reason  string `json:"reason,omitempty"`
}

// Rules are the program's rules (its currency, its settings), without
// its affiliates.
func (c *Checkout) Rules(ctx context.Context) (*program.Program, error) {
	return c.r.rules.Get(ctx)
}

// Order records a paid order.
func (c *Checkout) Order(ctx context.Context, o CheckoutOrder, log *slog.Logger) (any, error) {
	p, err := c.r.rules.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("program: %w", err)
	}
	lines, sources, err := checkLines(o)
	if err != nil {
		return nil, err
	}
	if cur := strings.ToUpper(o.Currency); cur != p.Currency {
		return nil, apierr.Unprocessable("currency_mismatch", "currency %q is not the program's %s", cur, p.Currency)
	}
	pl := payload{ID: o.ID, Type: TypePaid, OccurredAt: o.OccurredAt.UTC(), Currency: p.Currency, Email: o.Email,
		Click: o.Click, Affiliate: o.Affiliate, Items: lines, HasItems: true, Hash: checkoutHash, Paid: o.PaidCents}
	if o.Subscription == nil {
		pl.Coupons = o.Coupons
	}
	original, err := originalBySKU(o)
	if err != nil {
		return nil, err
	}
	pl.Record = func(w *store.Write) {
		w.Txn.SourceLines = sources
		if pr := o.Presentment; pr != nil && pr.Total > 0 && pr.ShopTotal > 0 {
			w.Txn.PresentmentCurrency, w.Txn.PresentmentTotal, w.Txn.ShopTotal = pr.Currency, pr.Total, pr.ShopTotal
		}
		if original != nil {
			keepOriginal(w, strings.ToUpper(o.Original.Currency), original)
		}
	}
	if o.Subscription == nil {
		body, pending, err := c.r.recordOrder(ctx, p, pl, log)
		return c.recorded(ctx, o.ID, body, pending, err, log)
	}
	// Two invoices of a new subscription at once: the one that records its
	// referrer first wins, and the other reads it and decides again.
	for range attempts {
		out, pending, err := c.invoice(ctx, p, o, pl, log)
		if !errors.Is(err, store.ErrSubscriptionExists) {
			if body, ok := out.(json.RawMessage); ok && err == nil {
				return c.recorded(ctx, o.ID, body, pending, nil, log)
			}
			return out, err
		}
	}
	return nil, fmt.Errorf("order %s: subscription %s still contended", o.ID, o.Subscription.ID)
}

// invoice records a subscription's invoice, referred by what its first
// invoice decided (deciding it now when this is the first Tally sees), and
// only while it is paid within recurring_months of the start.
func (c *Checkout) invoice(ctx context.Context, p *program.Program, o CheckoutOrder, pl payload, log *slog.Logger) (any, []store.PendingRefund, error) {
	s := *o.Subscription
	rec, err := c.r.st.GetSubscription(ctx, s.ID)
	if err != nil {
		return nil, nil, err
	}
	var ref commission.Referral
	start, first := s.Start, s.First
	if rec != nil {
		ref = commission.Referral{Affiliate: rec.Affiliate, LinkEvent: rec.LinkEvent, Via: rec.Via, Sub: rec.Sub}
		start, first = rec.Start, first || rec.FirstInvoice == o.ID
	}
	if months := p.Recurring(); !first && pl.OccurredAt.After(start.AddDate(0, months, 0)) {
		out, err := c.ignore(ctx, o.ID, Ignored{Ignored: "invoice.paid", Reason: fmt.Sprintf("paid more than recurring_months (%d) after the subscription started", months)})
		return out, nil, err
	}
	if rec == nil {
		if ref, err = c.subscriptionReferral(ctx, p, s, o.Email, pl.Items, log); err != nil {
			return nil, nil, err
		}
		decided := &store.Subscription{Affiliate: ref.Affiliate, LinkEvent: ref.LinkEvent, Via: ref.Via, Sub: ref.Sub,
			Start: start.UTC(), FirstInvoice: o.ID}
		record := pl.Record
		pl.Record = func(w *store.Write) {
			record(w)
			w.SubscriptionID, w.Subscription = s.ID, decided
		}
	}
	pl.Referral = &ref
	body, pending, err := c.r.recordOrder(ctx, p, pl, log)
	return body, pending, err
}

// originalBySKU is each SKU's amount in the buyer's currency, lines of one
// SKU added up as checkLines merges them; nil when nothing was converted.
func originalBySKU(o CheckoutOrder) (map[string]int64, error) {
	if o.Original == nil {
		return nil, nil
	}
	if len(o.Original.Amounts) != len(o.Lines) {
		return nil, fmt.Errorf("order %s: %d original amounts for %d lines", o.ID, len(o.Original.Amounts), len(o.Lines))
	}
	out := make(map[string]int64, len(o.Lines))
	for i, l := range o.Lines {
		out[l.SKU] += o.Original.Amounts[i]
	}
	return out, nil
}

// keepOriginal has every commission of a converted order, in the ledger
// and on the order's lines, keep its line's amount in the buyer's currency.
func keepOriginal(w *store.Write, currency string, bySKU map[string]int64) {
	set := func(es []ledger.Entry) {
		for i := range es {
			es[i].OriginalCurrency, es[i].OriginalBasis = currency, bySKU[es[i].SKU]
		}
	}
	set(w.Entries)
	for i := range w.Txn.Lines {
		set(w.Txn.Lines[i].Earned)
	}
}

// recorded applies an order's pending refunds (found by the order's own
// read: no request when there are none) once it is recorded, before its
// answer is returned.
func (c *Checkout) recorded(ctx context.Context, id string, body json.RawMessage, pending []store.PendingRefund, err error, log *slog.Logger) (any, error) {
	if err != nil {
		return nil, err
	}
	if err := c.applyPending(ctx, id, pending, log); err != nil {
		return nil, err
	}
	return body, nil
}

// kindIgnored marks an order a checkout sent that Tally chose not to
// record, so its refunds are answered as ignored, not kept pending.
const kindIgnored = "ignored"

// ignore records that an order is not recorded, and answers so.
func (c *Checkout) ignore(ctx context.Context, id string, why Ignored) (any, error) {
	if err := c.r.st.PutIgnored(ctx, store.TxnKey(id), why.Reason); err != nil {
		return nil, err
	}
	return why, nil
}

// OrderPresentment is a recorded checkout order's own rate from its
// buyer's currency to the shop's; nil when the order is not recorded or was
// in the shop's currency.
func (c *Checkout) OrderPresentment(ctx context.Context, orderID string) (*Presentment, error) {
	o, err := c.r.st.GetTxn(ctx, store.TxnKey(orderID))
	if err != nil || o == nil || o.Kind != "order" || o.PresentmentTotal <= 0 || o.ShopTotal <= 0 {
		return nil, err
	}
	return &Presentment{Currency: o.PresentmentCurrency, Total: o.PresentmentTotal, ShopTotal: o.ShopTotal}, nil
}

// checkLines merges lines of one SKU (a checkout may sell one product at
// two prices), keeping which checkout line went into which SKU, and applies
// section 4's limits. A line's amount need not be a whole number of units
// (a discount): its unit price is then only for the record, and its amount
// is what counts. A checkout's order may have no email.
func checkLines(o CheckoutOrder) ([]commission.Line, map[string]string, error) {
	f := fields{}
	if o.ID == "" || len(o.ID) > maxID {
		f["id"] = fmt.Sprintf("must be 1 to %d bytes", maxID)
	}
	if len(o.Click) > maxClickToken || len(o.Affiliate) > maxAffiliate {
		f["click"] = "the click or affiliate is too long"
	}
	if msg := couponsProblem(o.Coupons); msg != "" {
		f["coupons"] = msg
	}
	if o.Email != "" && (!strings.Contains(o.Email, "@") || len(o.Email) > maxEmail) {
		f["email"] = "the buyer's email is not an email address"
	}
	var out []commission.Line
	var sources map[string]string
	at := map[string]int{}
	for i, l := range o.Lines {
		if l.SKU == "" || len(l.SKU) > maxSKU {
			f["lines"] = fmt.Sprintf("a line's SKU %q is empty or over %d bytes", l.SKU, maxSKU)
			continue
		}
		if l.Quantity < 1 || l.Quantity > 1_000_000 || l.Amount() < 0 || l.Amount() > maxOrderCents {
			f["lines"] = fmt.Sprintf("line %q has quantity %d and amount %d", l.SKU, l.Quantity, l.Amount())
			continue
		}
		if i < len(o.LineIDs) && o.LineIDs[i] != "" {
			if sources == nil {
				sources = map[string]string{}
			}
			sources[o.LineIDs[i]] = l.SKU
		}
		if i, seen := at[l.SKU]; seen {
			out[i].AmountCents, out[i].Quantity = out[i].Amount()+l.Amount(), out[i].Quantity+l.Quantity
			out[i].PaidCents += l.PaidCents
			continue
		}
		at[l.SKU] = len(out)
		out = append(out, commission.Line{SKU: l.SKU, Quantity: l.Quantity, AmountCents: l.Amount(), PaidCents: l.PaidCents})
	}
	var sum int64
	for i := range out {
		l := &out[i]
		sum += l.Amount()
		l.UnitPriceCents = l.AmountCents / l.Quantity
		if l.AmountCents%l.Quantity == 0 {
			l.AmountCents = 0
		}
	}
	switch {
	case len(out) == 0:
		f["lines"] = "the order has no lines"
	case len(out) > maxLines:
		f["lines"] = fmt.Sprintf("at most %d products per order", maxLines)
	case sum > maxOrderCents:
		f["lines"] = fmt.Sprintf("the order's total is over %d", int64(maxOrderCents))
	}
	return out, sources, f.err()
}

// couponsProblem is what is wrong with an order's codes ("" when nothing):
// a bounded number of bounded codes, so the order's answer stays small.
func couponsProblem(codes []string) string {
	if len(codes) > maxCoupons {
		return fmt.Sprintf("at most %d coupon codes per order", maxCoupons)
	}
	for _, c := range codes {
		if len(c) > maxCoupon {
			return fmt.Sprintf("a coupon code is over %d bytes", maxCoupon)
		}
	}
	return ""
}

// subscriptionReferral is the referrer of a subscription's invoices, as its
// first invoice decides it: who referred its checkout when it started (its
// click, else its affiliate, else the buyer's attribution then), via
// "subscription".
func (c *Checkout) subscriptionReferral(ctx context.Context, p *program.Program, s Subscription, email string, lines []commission.Line, log *slog.Logger) (commission.Referral, error) {
	cur, _, err := c.r.contact(ctx, email)
	if err != nil {
		return commission.Referral{}, err
	}
	skus := make([]string, len(lines))
	for i, l := range lines {
		skus[i] = l.SKU
	}
	var codes []string
	if s.Coupons != nil {
		if codes, err = s.Coupons(ctx); err != nil {
			return commission.Referral{}, err
		}
		if msg := couponsProblem(codes); msg != "" {
			return commission.Referral{}, apierr.Invalid(fields{"coupons": msg})
		}
	}
	d, _, err := c.r.decide(ctx, p, attribution.Evidence{
		Kind: attribution.Order, At: s.Start, Click: s.Click, Affiliate: s.Affiliate, Coupons: codes, SKUs: skus, Current: cur,
	})
	if err != nil {
		return commission.Referral{}, err
	}
	for _, w := range d.Warnings {
		log.Warn("subscription's referrer", "why", w)
	}
	ref := d.Referral
	if ref.Affiliate != "" {
		ref.Via = ledger.ViaSubscription
	}
	return ref, nil
}

// Refund records a checkout's refund, of items, of money or both, by the
// rule of SPEC 10.
func (c *Checkout) Refund(ctx context.Context, rf CheckoutRefund, log *slog.Logger) (any, error) {
	if len(rf.ID) > maxID || len(rf.OrderID) > maxID {
		return nil, apierr.Invalid(fields{"id": fmt.Sprintf("must be at most %d bytes", maxID)})
	}
	if rf.Amount < 0 || rf.Total < 0 || rf.Amount > maxOrderCents || rf.Total > maxOrderCents {
		return nil, apierr.Invalid(fields{"amount": "the refund's money is out of range"})
	}
	cr := commission.Refund{ID: rf.ID, At: rf.OccurredAt.UTC(), Money: rf.Amount}
	if rf.IsTotal {
		cr.Money, cr.ToTotal = rf.Total, true
	}
	for _, it := range rf.Items {
		if it.SKU == "" || len(it.SKU) > maxSKU || it.Quantity < 1 || it.Quantity > 1_000_000 || it.MoneyCapCents < 0 {
			return nil, apierr.Invalid(fields{"items": fmt.Sprintf("line %q of quantity %d", it.SKU, it.Quantity)})
		}
		cr.Items = append(cr.Items, commission.RefundItem{SKU: it.SKU, Quantity: it.Quantity, MoneyCap: it.MoneyCapCents})
	}
	return c.refund(ctx, rf.OrderID, cr, log)
}

// refund records a checkout's refund, or keeps it pending while its order
// is not recorded.
func (c *Checkout) refund(ctx context.Context, orderID string, cr commission.Refund, log *slog.Logger) (any, error) {
	out, err := c.r.recordRefund(ctx, checkoutHash, orderID, cr, log)
	var missing *orderMissing
	if errors.As(err, &missing) {
		return c.keepPending(ctx, orderID, cr, log)
	}
	return c.refunded(orderID, out, err)
}

// refunded is a checkout refund's answer.
func (c *Checkout) refunded(orderID string, out refunded, err error) (any, error) {
	var ignored *orderIgnored
	if errors.As(err, &ignored) {
		return Ignored{Ignored: "refund", Reason: "its order was not recorded: " + ignored.Reason}, nil
	}
	var over *commission.OverRefundError
	if errors.As(err, &over) {
		return nil, apierr.Unprocessable("over_refund", "order %q: %s", orderID, over.Message)
	}
	if err != nil {
		return nil, err
	}
	if out.Stale {
		return Ignored{Ignored: "charge.refunded", Reason: "the refunded total is not above what is already recorded"}, nil
	}
	if out.Excess > 0 {
		return PartlyApplied{Body: out.Body, Why: fmt.Sprintf("order %q: %d refunded beyond what the buyer paid; applied up to what was paid", orderID, out.Excess)}, nil
	}
	return out.Body, nil
}

// Pending answers a refund kept until its order arrives: 202.
type Pending struct {
	Pending string `json:"pending"`
}

// Status is the answer's status.
func (Pending) Status() int { return http.StatusAccepted }

// keepPending keeps a refund of an order not recorded yet, on the order's
// record. Should the order have been recorded meanwhile, the refund is
// applied at once.
func (c *Checkout) keepPending(ctx context.Context, orderID string, cr commission.Refund, log *slog.Logger) (any, error) {
	raw, err := json.Marshal(cr)
	if err != nil {
		return nil, err
	}
	p := store.PendingRefund{OrderID: orderID, RefundID: cr.ID, At: cr.At, Hash: checkoutHash, Refund: string(raw), Received: c.r.now().UTC()}
	created, err := c.r.st.KeepPendingRefund(ctx, p)
	if errors.Is(err, store.ErrOrderRecorded) {
		out, err := c.r.recordRefund(ctx, checkoutHash, orderID, cr, log)
		return c.refunded(orderID, out, err)
	}
	if err != nil {
		return nil, err
	}
	if created {
		log.Info("refund kept until its order arrives", "refund_id", cr.ID, "order_id", orderID)
	}
	return Pending{Pending: cr.ID}, nil
}

// applyPending applies an order's pending refunds, oldest first, each in
// its own transaction that also takes it off the order's record. One that
// cannot be applied stays pending and is logged; the rest go on.
func (c *Checkout) applyPending(ctx context.Context, orderID string, pending []store.PendingRefund, log *slog.Logger) error {
	ps := slices.Clone(pending)
	slices.SortStableFunc(ps, func(a, b store.PendingRefund) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.RefundID, b.RefundID)
	})
	for _, p := range ps {
		var cr commission.Refund
		if err := json.Unmarshal([]byte(p.Refund), &cr); err != nil {
			return fmt.Errorf("pending refund %s: %w", p.RefundID, err)
		}
		_, err := c.r.recordRefund(ctx, p.Hash, orderID, cr, log)
		var over *commission.OverRefundError
		var ignored *orderIgnored
		switch {
		case errors.As(err, &over), errors.As(err, &ignored):
			log.Warn("pending refund cannot be applied", "refund_id", p.RefundID, "order_id", orderID, "why", err.Error())
		case err != nil:
			return err
		}
	}
	return nil
}
