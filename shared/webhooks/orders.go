package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"

	"github.com/tallyhq/tally/shared/apierr"
	"github.com/tallyhq/tally/shared/attribution"
	"github.com/tallyhq/tally/shared/commission"
	"github.com/tallyhq/tally/shared/ledger"
	"github.com/tallyhq/tally/shared/period"
	"github.com/tallyhq/tally/shared/program"
	"github.com/tallyhq/tally/shared/store"
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
	key := store.TxnKey(pl.ID)
	return r.commit(ctx, key, pl.Hash, pl.ID, func() (store.Write, json.RawMessage, error) {
		var warnings []string
		for _, l := range pl.Items {
			if _, ok := p.Product(l.SKU); !ok {
				warnings = append(warnings, fmt.Sprintf("unknown SKU %q: recorded as kind other, no commission", l.SKU))
			}
		}
		ref, touch, why, err := r.referrer(ctx, p, pl)
		if err != nil {
			return store.Write{}, nil, err
		}
		warnings = append(warnings, why...)
		entries := commission.Earn(p, commission.Order{ID: pl.ID, At: pl.OccurredAt, Lines: pl.Items, Referral: ref})

		res := OrderResult{OrderID: pl.ID, Commissions: answer(entries), Warnings: warningsOrEmpty(warnings)}
		if ref.Affiliate != "" {
			res.ReferredBy = &ref.Affiliate
		}
		body, err := json.Marshal(res)
		if err != nil {
			return store.Write{}, nil, err
		}
		rec := store.Txn{Kind: "order", Hash: pl.Hash, Response: string(body), OccurredAt: pl.OccurredAt, PaidCents: pl.Paid}
		var total int64
		for _, l := range pl.Items {
			line := store.TxnLine{SKU: l.SKU, Quantity: l.Quantity, UnitPriceCents: l.UnitPriceCents, AmountCents: l.AmountCents}
			for _, e := range entries {
				if e.SKU == l.SKU {
					line.Earned = append(line.Earned, e)
				}
			}
			rec.Lines = append(rec.Lines, line)
			total += l.Amount()
		}
		w := store.Write{Record: key, Txn: rec, Entries: entries}
		if ref.Affiliate != "" && ref.LinkEvent != "" {
			date := period.Date(pl.OccurredAt, p.Location())
			w.Stats = append(w.Stats, r.st.StatUpdate(ref.Affiliate, date, ref.LinkEvent, rand.IntN(store.StatShards),
				store.StatDelta{Orders: 1, RevenueCents: total}))
		}
		if touch != nil {
			w.ContactEmail, w.Contact, w.ContactVersion = pl.Email, touch.next, touch.version
		}
		return w, body, nil
	})
}

// contactChange is a new attribution for a contact, to write if the contact
// has not moved since it was read.
type contactChange struct {
	next    *store.Contact
	version int64
}

// referrer decides who referred an order: a valid click, else the named
// affiliate, else the contact's attribution while it lasts, else nobody.
// A valid click also touches the contact (first or last touch). A checkout
// may have decided it already (a subscription's referrer).
func (r *receiver) referrer(ctx context.Context, p *program.Program, pl payload) (commission.Referral, *contactChange, []string, error) {
	if pl.Referral != nil {
		return *pl.Referral, nil, nil, nil
	}
	var warnings []string
	if pl.Click != "" {
		c, why := attribution.ValidClick(p, r.keys, pl.Click, pl.OccurredAt)
		if why == "" {
			ch, err := r.touch(ctx, p, pl.Email, attribution.Touch{Affiliate: c.Affiliate, Event: c.Event, At: c.At, Via: attribution.ViaClick})
			return commission.Referral{Affiliate: c.Affiliate, LinkEvent: c.Event, Via: ledger.ViaClick}, ch, nil, err
		}
		warnings = append(warnings, why)
	}
	if pl.Affiliate != "" {
		if a, ok := p.Affiliate(pl.Affiliate); ok && a.IsActive() {
			return commission.Referral{Affiliate: a.Code, LinkEvent: commission.LinkEventForNamed(p, a.Code, pl.Items), Via: ledger.ViaAffiliate}, nil, warnings, nil
		}
		warnings = append(warnings, fmt.Sprintf("affiliate %q is unknown or inactive (ignored)", pl.Affiliate))
	}
	c, err := r.st.GetContact(ctx, pl.Email)
	if err != nil {
		return commission.Referral{}, nil, nil, err
	}
	if c != nil {
		t := attribution.Touch{Affiliate: c.Affiliate, Event: c.Event, At: c.At, Via: c.Via}
		if a, ok := p.Affiliate(c.Affiliate); ok && a.IsActive() && t.Lasts(p, pl.OccurredAt) && !pl.OccurredAt.Before(c.At) {
			return commission.Referral{Affiliate: c.Affiliate, LinkEvent: c.Event, Via: ledger.ViaContact}, nil, warnings, nil
		}
	}
	return commission.Referral{}, nil, warnings, nil
}

// touch reads a contact and works out its attribution after a new touch;
// nil when nothing changes.
func (r *receiver) touch(ctx context.Context, p *program.Program, email string, t attribution.Touch) (*contactChange, error) {
	c, err := r.st.GetContact(ctx, email)
	if err != nil {
		return nil, err
	}
	var cur *attribution.Touch
	var version int64
	if c != nil {
		cur = &attribution.Touch{Affiliate: c.Affiliate, Event: c.Event, At: c.At, Via: c.Via}
		version = c.Version
	}
	next, changed := attribution.Apply(p, cur, t)
	if !changed {
		return nil, nil
	}
	return &contactChange{next: &store.Contact{Affiliate: next.Affiliate, Event: next.Event, At: next.At, Via: next.Via}, version: version}, nil
}

// refund records a refund: clawbacks in proportion to the refunded units,
// never more than a line earned, against the order's record (version
// checked, so two refunds of one order never both take the same units).
func (r *receiver) refund(ctx context.Context, p *program.Program, pl payload, log *slog.Logger) (json.RawMessage, error) {
	key := store.TxnKey(pl.ID)
	orderKey := store.TxnKey(pl.OrderID)
	return r.commit(ctx, key, pl.Hash, pl.ID, func() (store.Write, json.RawMessage, error) {
		o, err := r.st.GetTxn(ctx, orderKey)
		if err != nil {
			return store.Write{}, nil, err
		}
		if o == nil || o.Kind != "order" {
			return store.Write{}, nil, apierr.NotFound("order_not_found", "no order %q", pl.OrderID)
		}
		want := map[string]int64{}
		if pl.HasItems {
			for _, it := range pl.Items {
				want[it.SKU] = it.Quantity
			}
		} else {
			for _, l := range o.Lines {
				if left := l.Quantity - l.Refunded; left > 0 {
					want[l.SKU] = left
				}
			}
			if len(want) == 0 {
				return store.Write{}, nil, apierr.Unprocessable("over_refund", "order %q is already refunded in full", pl.OrderID)
			}
		}
		updated := *o
		updated.Lines = append([]store.TxnLine(nil), o.Lines...)
		inOrder := map[string]bool{}
		var clawbacks []ledger.Entry
		for i, l := range updated.Lines {
			inOrder[l.SKU] = true
			q, ok := want[l.SKU]
			if !ok {
				continue
			}
			if l.Refunded+q > l.Quantity {
				return store.Write{}, nil, apierr.Unprocessable("over_refund",
					"refunding %d of %s, but %d of %d are left to refund", q, l.SKU, l.Quantity-l.Refunded, l.Quantity)
			}
			for _, c := range l.Earned {
				if cb, ok := commission.Clawback(c, pl.ID, pl.OccurredAt, l.UnitPriceCents, l.Refunded, l.Refunded+q); ok {
					clawbacks = append(clawbacks, cb)
				}
			}
			updated.Lines[i].Refunded += q
		}
		for sku := range want {
			if !inOrder[sku] {
				return store.Write{}, nil, apierr.Unprocessable("over_refund", "SKU %q is not in order %q", sku, pl.OrderID)
			}
		}
		res := RefundResult{RefundID: pl.ID, OrderID: pl.OrderID, Clawbacks: answer(clawbacks), Warnings: []string{}}
		body, err := json.Marshal(res)
		if err != nil {
			return store.Write{}, nil, err
		}
		return store.Write{
			Record:   key,
			Txn:      store.Txn{Kind: "refund", Hash: pl.Hash, Response: string(body), OccurredAt: pl.OccurredAt, OrderID: pl.OrderID},
			Entries:  clawbacks,
			OrderKey: orderKey, Order: &updated, OrderVersion: o.Version,
		}, body, nil
	})
}
