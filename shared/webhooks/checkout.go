package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/apierr"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/attribution"
	"github.com/tallyhq/tally/shared/clicktoken"
	"github.com/tallyhq/tally/shared/commission"
	"github.com/tallyhq/tally/shared/ledger"
	"github.com/tallyhq/tally/shared/program"
	"github.com/tallyhq/tally/shared/store"
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
	keys, err := clicktoken.ParseKeys(d.Config.ClickKey)
	if err != nil {
		d.Fatal("TALLY_CLICK_KEY", err)
	}
	return &Checkout{r: &receiver{st: d.Store, programs: d.Programs, keys: keys, log: d.Log, now: d.Now}}
}

// CheckoutOrder is a paid order as a checkout tells it.
type CheckoutOrder struct {
	ID         string
	OccurredAt time.Time
	Currency   string
	Email      string
	Click      string // a click token, either form
	Affiliate  string
	Lines      []commission.Line // lines of one SKU are merged
	PaidCents  int64             // everything the buyer paid, tax included
	// Subscription, when set, makes this a subscription's invoice: its
	// referrer is the subscription's, not the invoice's.
	Subscription *Subscription
}

// Subscription is what decides who referred a subscription's invoices: the
// click or affiliate of the checkout that created it, checked when it
// started (cookie_days does not apply to later invoices), else the buyer's
// attribution then.
type Subscription struct {
	Click, Affiliate string
	Start            time.Time
	First            bool // this is the subscription's first invoice
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

// Program is the current program.
func (c *Checkout) Program(ctx context.Context) (*program.Program, error) {
	return c.r.programs.Get(ctx)
}

// Order records a paid order.
func (c *Checkout) Order(ctx context.Context, o CheckoutOrder, log *slog.Logger) (any, error) {
	p, err := c.r.programs.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("program: %w", err)
	}
	lines, err := checkLines(o)
	if err != nil {
		return nil, err
	}
	if cur := strings.ToUpper(o.Currency); cur != p.Currency {
		return nil, apierr.Unprocessable("currency_mismatch", "currency %q is not the program's %s", cur, p.Currency)
	}
	pl := payload{ID: o.ID, Type: TypePaid, OccurredAt: o.OccurredAt.UTC(), Currency: p.Currency, Email: o.Email,
		Click: o.Click, Affiliate: o.Affiliate, Items: lines, HasItems: true, Hash: checkoutHash, Paid: o.PaidCents}
	if s := o.Subscription; s != nil {
		if months := p.Recurring(); !s.First && pl.OccurredAt.After(s.Start.AddDate(0, months, 0)) {
			return Ignored{Ignored: "invoice.paid", Reason: fmt.Sprintf("paid more than recurring_months (%d) after the subscription started", months)}, nil
		}
		ref, err := c.subscriptionReferral(ctx, p, *s, o.Email, lines, log)
		if err != nil {
			return nil, err
		}
		pl.Referral = &ref
	}
	return c.r.order(ctx, p, pl, log)
}

// checkLines merges lines of one SKU (a checkout may sell one product at
// two prices) and applies section 4's limits. A line's amount need not be
// a whole number of units (a discount): its unit price is then only for the
// record, and its amount is what counts.
func checkLines(o CheckoutOrder) ([]commission.Line, error) {
	f := fields{}
	if o.ID == "" || len(o.ID) > maxID {
		f["id"] = fmt.Sprintf("must be 1 to %d bytes", maxID)
	}
	if len(o.Click) > maxClickToken || len(o.Affiliate) > maxAffiliate {
		f["click"] = "the click or affiliate is too long"
	}
	if o.Email == "" || !strings.Contains(o.Email, "@") || len(o.Email) > maxEmail {
		f["email"] = "the buyer's email is missing or not an email address"
	}
	var out []commission.Line
	at := map[string]int{}
	for _, l := range o.Lines {
		if l.SKU == "" || len(l.SKU) > maxSKU {
			f["lines"] = fmt.Sprintf("a line's SKU %q is empty or over %d bytes", l.SKU, maxSKU)
			continue
		}
		if l.Quantity < 1 || l.Quantity > 1_000_000 || l.Amount() < 0 || l.Amount() > maxOrderCents {
			f["lines"] = fmt.Sprintf("line %q has quantity %d and amount %d", l.SKU, l.Quantity, l.Amount())
			continue
		}
		if i, seen := at[l.SKU]; seen {
			out[i].AmountCents, out[i].Quantity = out[i].Amount()+l.Amount(), out[i].Quantity+l.Quantity
			continue
		}
		at[l.SKU] = len(out)
		out = append(out, commission.Line{SKU: l.SKU, Quantity: l.Quantity, AmountCents: l.Amount()})
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
	return out, f.err()
}

// subscriptionReferral is the referrer of a subscription's invoices: who
// referred its checkout when it started (its click, else its affiliate,
// else the buyer's attribution then), via "subscription".
func (c *Checkout) subscriptionReferral(ctx context.Context, p *program.Program, s Subscription, email string, lines []commission.Line, log *slog.Logger) (commission.Referral, error) {
	cur, _, err := c.r.contact(ctx, email)
	if err != nil {
		return commission.Referral{}, err
	}
	skus := make([]string, len(lines))
	for i, l := range lines {
		skus[i] = l.SKU
	}
	d := attribution.Decide(p, c.r.keys, attribution.Evidence{
		Kind: attribution.Order, At: s.Start, Click: s.Click, Affiliate: s.Affiliate, SKUs: skus, Current: cur,
	})
	for _, w := range d.Warnings {
		log.Warn("subscription's referrer", "why", w)
	}
	ref := d.Referral
	if ref.Affiliate != "" {
		ref.Via = ledger.ViaSubscription
	}
	return ref, nil
}

// Refund records a refund of units (section 4) or of money (the amount
// rule). An order once refunded by money is refunded by money from then on,
// so the cumulative rule keeps adding up.
func (c *Checkout) Refund(ctx context.Context, rf CheckoutRefund, log *slog.Logger) (any, error) {
	p, err := c.r.programs.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("program: %w", err)
	}
	if len(rf.ID) > maxID || len(rf.OrderID) > maxID {
		return nil, apierr.Invalid(fields{"id": fmt.Sprintf("must be at most %d bytes", maxID)})
	}
	var items []commission.Line
	for _, it := range rf.Items {
		items = append(items, commission.Line{SKU: it.SKU, Quantity: it.Quantity})
		if it.SKU == "" || len(it.SKU) > maxSKU || it.Quantity < 1 || it.Quantity > 1_000_000 {
			return nil, apierr.Invalid(fields{"items": fmt.Sprintf("line %q of quantity %d", it.SKU, it.Quantity)})
		}
	}
	if len(rf.Items) > 0 {
		o, err := c.r.st.GetTxn(ctx, store.TxnKey(rf.OrderID))
		if err != nil {
			return nil, err
		}
		if o == nil || o.RefundedCents == 0 {
			return c.r.refund(ctx, p, payload{ID: rf.ID, Type: TypeRefunded, OccurredAt: rf.OccurredAt.UTC(),
				OrderID: rf.OrderID, Items: items, HasItems: true, Hash: checkoutHash}, log)
		}
	}
	return c.refundMoney(ctx, rf)
}

// errNothing ends a commit that has nothing to record.
type errNothing struct{ Ignored }

func (e *errNothing) Error() string { return e.Reason }

func (c *Checkout) refundMoney(ctx context.Context, rf CheckoutRefund) (any, error) {
	key, orderKey := store.TxnKey(rf.ID), store.TxnKey(rf.OrderID)
	at := rf.OccurredAt.UTC()
	out, err := c.r.commit(ctx, key, checkoutHash, rf.ID, func() (store.Write, json.RawMessage, error) {
		o, err := c.r.st.GetTxn(ctx, orderKey)
		if err != nil {
			return store.Write{}, nil, err
		}
		if o == nil || o.Kind != "order" {
			return store.Write{}, nil, apierr.NotFound("order_not_found", "no order %q", rf.OrderID)
		}
		m := commission.MoneyRefund{ID: rf.ID, At: at, Paid: paid(o), Before: o.RefundedCents, After: o.RefundedCents + rf.Amount}
		if rf.IsTotal {
			m.After = rf.Total
			if m.After <= m.Before {
				return store.Write{}, nil, &errNothing{Ignored{Ignored: "charge.refunded", Reason: fmt.Sprintf("refunded total %d is not above the %d already recorded", m.After, m.Before)}}
			}
		}
		if !m.Valid() {
			return store.Write{}, nil, apierr.Unprocessable("over_refund", "refunding %d in all of an order of %d", m.After, m.Paid)
		}
		updated := *o
		updated.Lines = append([]store.TxnLine(nil), o.Lines...)
		updated.RefundedCents = m.After
		var clawbacks, unclawed []ledger.Entry
		for i, l := range updated.Lines {
			st := commission.LineState{Amount: lineAmount(l), Quantity: l.Quantity, RefundedUnits: l.Refunded}
			for _, e := range l.Earned {
				switch cb, ok := commission.AmountClawback(e, m, st); {
				case ok:
					clawbacks = append(clawbacks, cb)
				case cb.BasisCents != 0 || cb.Quantity != 0:
					unclawed = append(unclawed, cb) // counted in products sold, not in the ledger
				}
			}
			if m.After == m.Paid {
				updated.Lines[i].Refunded = l.Quantity
			}
		}
		body, err := json.Marshal(RefundResult{RefundID: rf.ID, OrderID: rf.OrderID, Clawbacks: answer(clawbacks), Warnings: []string{}})
		if err != nil {
			return store.Write{}, nil, err
		}
		return store.Write{
			Record:  key,
			Txn:     store.Txn{Kind: "refund", Hash: checkoutHash, Response: string(body), OccurredAt: at, OrderID: rf.OrderID},
			Entries: clawbacks, Unclawed: unclawed,
			OrderKey: orderKey, Order: &updated, OrderVersion: o.Version,
		}, body, nil
	})
	var nothing *errNothing
	if errors.As(err, &nothing) {
		return nothing.Ignored, nil
	}
	return out, err
}

func lineAmount(l store.TxnLine) int64 {
	return commission.Line{Quantity: l.Quantity, UnitPriceCents: l.UnitPriceCents, AmountCents: l.AmountCents}.Amount()
}

// paid is the amount rule's A: what the buyer paid in all, else the lines.
func paid(o *store.Txn) int64 {
	if o.PaidCents > 0 {
		return o.PaidCents
	}
	var a int64
	for _, l := range o.Lines {
		a += lineAmount(l)
	}
	return a
}
