package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/attribution"
	"github.com/tallyhq/tally/shared/domain/commission"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/period"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web/apierr"
)

// Commission is one line of a webhook's answer.
type Commission struct {
	Affiliate   string `json:"affiliate"`
	SKU         string `json:"sku"`
	Type        string `json:"type"`
	AmountCents int64  `json:"amount_cents"`
}

// OrderResult answers a paid order.
type OrderResult struct {
	OrderID     string       `json:"order_id"`
	ReferredBy  *string      `json:"referred_by"`
	Commissions []Commission `json:"commissions"`
	Warnings    []string     `json:"warnings"`
}

// RefundResult answers a refund.
type RefundResult struct {
	RefundID  string       `json:"refund_id"`
	OrderID   string       `json:"order_id"`
	Clawbacks []Commission `json:"clawbacks"`
	Warnings  []string     `json:"warnings"`
}

func answer(es []ledger.Entry) []Commission {
	out := make([]Commission, 0, len(es))
	for _, e := range es {
		out = append(out, Commission{Affiliate: e.Affiliate, SKU: e.SKU, Type: e.Type, AmountCents: e.AmountCents})
	}
	return out
}

// order records a paid order: who referred it (SPEC 4.2), the commissions,
// the order on the referrer's link, and a click's touch on the contact.
func (r *receiver) order(ctx context.Context, p *program.Program, pl payload, log *slog.Logger) (json.RawMessage, error) {
	body, _, err := r.recordOrder(ctx, p, pl, log)
	return body, err
}

// recordOrder is order, and says which refunds of it came first (a
// checkout's, kept pending): its caller applies them.
func (r *receiver) recordOrder(ctx context.Context, p *program.Program, pl payload, log *slog.Logger) (json.RawMessage, []store.PendingRefund, error) {
	key := store.TxnKey(pl.ID)
	return r.commit(ctx, key, pl.Hash, pl.ID, func() (store.Write, json.RawMessage, error) {
		var warnings []string
		for _, l := range pl.Items {
			if _, ok := p.Product(l.SKU); !ok {
				warnings = append(warnings, fmt.Sprintf("unknown SKU %q: recorded as kind other, no commission", l.SKU))
			}
		}
		cur, version, err := r.contact(ctx, pl.Email)
		if err != nil {
			return store.Write{}, nil, err
		}
		skus := make([]string, len(pl.Items))
		for i, l := range pl.Items {
			skus[i] = l.SKU
		}
		ev := attribution.Evidence{
			Kind: attribution.Order, At: pl.OccurredAt, Click: pl.Click, Affiliate: pl.Affiliate, Coupons: pl.Coupons, SKUs: skus, Current: cur,
		}
		d, entries, overrides, err := r.earn(ctx, p, ev, commission.Order{ID: pl.ID, At: pl.OccurredAt, Lines: pl.Items}, pl.Referral)
		if err != nil {
			return store.Write{}, nil, err
		}
		warnings = append(warnings, d.Warnings...)
		ref := d.Referral
		written := append(entries[:len(entries):len(entries)], overrides...)

		res := OrderResult{OrderID: pl.ID, Commissions: answer(written), Warnings: warningsOrEmpty(warnings)}
		if ref.Affiliate != "" {
			res.ReferredBy = &ref.Affiliate
		}
		body, err := json.Marshal(res)
		if err != nil {
			return store.Write{}, nil, err
		}
		rec := store.Txn{Kind: "order", Hash: pl.Hash, Response: string(body), OccurredAt: pl.OccurredAt, PaidCents: pl.Paid, RefundRule: commission.RefundRule,
			Referrer: ref.Affiliate, LinkEvent: ref.LinkEvent}
		var total int64
		for _, l := range pl.Items {
			line := commission.SoldLine{SKU: l.SKU, Quantity: l.Quantity, UnitPriceCents: l.UnitPriceCents, AmountCents: l.AmountCents, PaidCents: l.PaidCents}
			for _, e := range entries {
				if e.SKU == l.SKU {
					line.Earned = append(line.Earned, e)
				}
			}
			for _, e := range overrides {
				if e.SKU == l.SKU {
					line.Overrides = append(line.Overrides, e)
				}
			}
			rec.Lines = append(rec.Lines, line)
			total += l.Amount()
		}
		w := store.Write{Record: key, Txn: rec, Entries: written}
		if ref.Affiliate != "" && ref.LinkEvent != "" {
			date := period.Date(pl.OccurredAt, p.Location())
			w.Stats = append(w.Stats, store.StatAdd{Affiliate: ref.Affiliate, Date: date, Event: ref.LinkEvent, Sub: ref.Sub,
				Coupon: ref.Coupon, Delta: store.StatDelta{Orders: 1, RevenueCents: total}})
		}
		setContact(&w, pl.Email, d.Next, version)
		if pl.Record != nil {
			pl.Record(&w)
		}
		return w, body, nil
	})
}

// decide is attribution.Decide over the rules and only the affiliates ev
// names (its click's, its named one, the contact's, its first held coupon
// code's) and also, each read by key and kept for the cache period; the
// roster can gather more for what the webhook earns.
func (r *receiver) decide(ctx context.Context, rules *program.Program, ev attribution.Evidence, also ...string) (attribution.Decision, *program.Roster, error) {
	roster := program.NewRoster(rules, r.known)
	if err := roster.Add(ctx, append(attribution.Named(r.keys, ev), also...)...); err != nil {
		return attribution.Decision{}, nil, err
	}
	if err := roster.AddCoupons(ctx, ev.Coupons); err != nil {
		return attribution.Decision{}, nil, err
	}
	return attribution.Decide(roster.Program(), r.keys, ev), roster, nil
}

// earn decides who referred an order (a subscription's invoice: decided
// already, as fixed) and what it earns: the commissions and, written in
// the same transaction, the recruiters' overrides of them (SPEC 16). It
// reads the affiliates the order names, its speakers and the earners'
// recruiters, each by key.
func (r *receiver) earn(ctx context.Context, rules *program.Program, ev attribution.Evidence, o commission.Order, fixed *commission.Referral) (
	d attribution.Decision, entries, overrides []ledger.Entry, err error,
) {
	// The speakers earn whoever referred it.
	earners := commission.Speakers(rules, o.Lines)
	if fixed != nil {
		earners = append(earners, fixed.Affiliate)
	}
	d, roster, err := r.decide(ctx, rules, ev, earners...)
	if err != nil {
		return d, nil, nil, err
	}
	if fixed != nil {
		d.Referral, d.Next = *fixed, nil
	}
	o.Referral = d.Referral
	entries = commission.Earn(roster.Program(), o)
	if err := roster.Add(ctx, commission.Recruiters(roster.Program(), entries)...); err != nil {
		return d, nil, nil, err
	}
	return d, entries, commission.Overrides(roster.Program(), entries), nil
}

// contact reads a person's current attribution and the version to write
// its next one against; nil and 0 when they have none, or when a checkout's
// order has no email (attributed by its click or affiliate only).
func (r *receiver) contact(ctx context.Context, email string) (*attribution.Touch, int64, error) {
	if email == "" {
		return nil, 0, nil
	}
	c, err := r.st.GetContact(ctx, email)
	if err != nil || c == nil {
		return nil, 0, err
	}
	return &attribution.Touch{Affiliate: c.Affiliate, Event: c.Event, At: c.At, Via: c.Via, Sub: c.Sub}, c.Version, nil
}

// setContact has w write a contact's new attribution, if it has one, on
// condition that the contact is still at version.
func setContact(w *store.Write, email string, next *attribution.Touch, version int64) {
	if next == nil || email == "" {
		return
	}
	w.ContactEmail, w.ContactVersion = email, version
	w.Contact = &attribution.Contact{Affiliate: next.Affiliate, Event: next.Event, At: next.At, Via: next.Via, Sub: next.Sub}
}

// refund records a section 4 refund: units of SKUs, or everything not yet
// refunded; each item's money is its units' share of its line.
func (r *receiver) refund(ctx context.Context, p *program.Program, pl payload, log *slog.Logger) (json.RawMessage, error) {
	rf := commission.Refund{ID: pl.ID, At: pl.OccurredAt, ByUnits: true, All: !pl.HasItems}
	for _, it := range pl.Items {
		rf.Items = append(rf.Items, commission.RefundItem{SKU: it.SKU, Quantity: it.Quantity})
	}
	out, err := r.recordRefund(ctx, pl.Hash, pl.OrderID, rf, log)
	var missing *orderMissing
	if errors.As(err, &missing) {
		return nil, apierr.NotFound("order_not_found", "no order %q", pl.OrderID)
	}
	var over *commission.OverRefundError
	if errors.As(err, &over) {
		return nil, apierr.Unprocessable("over_refund", "order %q: %s", pl.OrderID, over.Message)
	}
	if err != nil {
		return nil, err
	}
	return out.Body, nil
}

// orderMissing: the refunded order has not been recorded.
type orderMissing struct{ OrderID string }

func (e *orderMissing) Error() string { return fmt.Sprintf("no order %q", e.OrderID) }

// orderIgnored: the refunded order is one Tally chose not to record.
type orderIgnored struct{ Reason string }

func (e *orderIgnored) Error() string { return e.Reason }

// refunded is what recordRefund did: the answer, and money beyond what the
// buyer paid (not applied), or Stale when a refunded total added nothing.
type refunded struct {
	Body   json.RawMessage
	Excess int64
	Stale  bool
}

// recordRefund applies a refund of any kind to its order by the one rule of
// SPEC 10 (refunds of items and of money together) and records it with the
// order's new state, the order's version checked, so two refunds of one
// order never take the same units or money twice. A refund the order's
// record keeps pending is taken off it in the same transaction.
func (r *receiver) recordRefund(ctx context.Context, hash, orderID string, rf commission.Refund, log *slog.Logger) (refunded, error) {
	key, orderKey := store.TxnKey(rf.ID), store.TxnKey(orderID)
	var res refunded
	body, _, err := r.commit(ctx, key, hash, rf.ID, func() (store.Write, json.RawMessage, error) {
		o, err := r.st.GetTxn(ctx, orderKey)
		if err != nil {
			return store.Write{}, nil, err
		}
		if o != nil && o.Kind == kindIgnored {
			return store.Write{}, nil, &orderIgnored{Reason: o.Response}
		}
		if o == nil || o.Kind != "order" {
			return store.Write{}, nil, &orderMissing{OrderID: orderID}
		}
		out, err := commission.ApplyRefund(soldOrder(o), rf)
		if err != nil {
			return store.Write{}, nil, err
		}
		if out.Stale {
			return store.Write{}, nil, errStale
		}
		if out.Excess > 0 && out.Order.Refunded == o.RefundedCents && o.RefundRule >= commission.RefundRule {
			return store.Write{}, nil, &commission.OverRefundError{Message: fmt.Sprintf("%d refunded, but the buyer's payment is refunded in full already", out.Excess)}
		}
		res.Excess = out.Excess
		warnings := []string{}
		if out.Excess > 0 {
			warnings = append(warnings, fmt.Sprintf("%d refunded beyond what the buyer paid was not applied", out.Excess))
			log.Warn("refund beyond what was paid", "order_id", orderID, "excess", out.Excess)
		}
		body, err := json.Marshal(RefundResult{RefundID: rf.ID, OrderID: orderID, Clawbacks: answer(out.Clawbacks), Warnings: warnings})
		if err != nil {
			return store.Write{}, nil, err
		}
		updated := *o
		updated.Lines = slices.Clone(out.Order.Lines)
		updated.RefundedCents, updated.RefundRule = out.Order.Refunded, commission.RefundRule
		at := rf.At
		updated.RefundedAt = &at
		updated.Pending = slices.DeleteFunc(slices.Clone(o.Pending), func(p store.PendingRefund) bool { return p.RefundID == rf.ID })
		w := store.Write{
			Record:  key,
			Txn:     store.Txn{Kind: "refund", Hash: hash, Response: string(body), OccurredAt: rf.At, OrderID: orderID},
			Entries: out.Clawbacks, Unclawed: out.Unclawed,
			OrderKey: orderKey, Order: &updated, OrderVersion: o.Version,
		}
		return w, body, nil
	})
	if errors.Is(err, errStale) {
		return refunded{Stale: true}, nil
	}
	res.Body = body
	return res, err
}

// errStale ends a commit that has nothing to record.
var errStale = errors.New("nothing to record")

// soldOrder is an order's record as the refund rules take it.
func soldOrder(o *store.Txn) commission.SoldOrder {
	// A copy: the rules may change their lines.
	return commission.SoldOrder{Paid: o.PaidCents, Refunded: o.RefundedCents, Rule: o.RefundRule, Lines: slices.Clone(o.Lines)}
}
