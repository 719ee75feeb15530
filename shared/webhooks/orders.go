package webhooks

import (
	"context"
	"encoding/json"
	"errors"
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
		cur, version, err := r.contact(ctx, pl.Email)
		if err != nil {
			return store.Write{}, nil, err
		}
		skus := make([]string, len(pl.Items))
		for i, l := range pl.Items {
			skus[i] = l.SKU
		}
		d := attribution.Decide(p, r.keys, attribution.Evidence{
			Kind: attribution.Order, At: pl.OccurredAt, Click: pl.Click, Affiliate: pl.Affiliate, SKUs: skus, Current: cur,
		})
		warnings = append(warnings, d.Warnings...)
		ref := d.Referral
		if pl.Referral != nil { // a checkout decided it: a subscription's referrer
			ref, d.Next = *pl.Referral, nil
		}
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
			w.Stats = append(w.Stats, r.st.StatUpdates(ref.Affiliate, date, ref.LinkEvent, ref.Sub, rand.IntN(store.StatShards),
				store.StatDelta{Orders: 1, RevenueCents: total})...)
		}
		setContact(&w, pl.Email, d.Next, version)
		return w, body, nil
	})
}

// contact reads a person's current attribution and the version to write
// its next one against; nil and 0 when they have none.
func (r *receiver) contact(ctx context.Context, email string) (*attribution.Touch, int64, error) {
	c, err := r.st.GetContact(ctx, email)
	if err != nil || c == nil {
		return nil, 0, err
	}
	return &attribution.Touch{Affiliate: c.Affiliate, Event: c.Event, At: c.At, Via: c.Via, Sub: c.Sub}, c.Version, nil
}

// setContact has w write a contact's new attribution, if it has one, on
// condition that the contact is still at version.
func setContact(w *store.Write, email string, next *attribution.Touch, version int64) {
	if next == nil {
		return
	}
	w.ContactEmail, w.ContactVersion = email, version
	w.Contact = &store.Contact{Affiliate: next.Affiliate, Event: next.Event, At: next.At, Via: next.Via, Sub: next.Sub}
}

// refund records a refund as the commission rules apply it (clawbacks in
// proportion to the refunded units, never more than a line earned), against
// the order's record (version checked, so two refunds of one order never
// both take the same units).
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
		sold := make([]commission.SoldLine, len(o.Lines))
		for i, l := range o.Lines {
			sold[i] = commission.SoldLine(l)
		}
		ref, err := commission.Refund(sold, pl.ID, pl.OccurredAt, pl.Items, !pl.HasItems)
		var over *commission.OverRefundError
		if errors.As(err, &over) {
			return store.Write{}, nil, apierr.Unprocessable("over_refund", "order %q: %s", pl.OrderID, over.Message)
		} else if err != nil {
			return store.Write{}, nil, err
		}
		updated := *o
		updated.Lines = make([]store.TxnLine, len(ref.Lines))
		for i, l := range ref.Lines {
			updated.Lines[i] = store.TxnLine(l)
		}
		clawbacks := ref.Clawbacks
		res := RefundResult{RefundID: pl.ID, OrderID: pl.OrderID, Clawbacks: answer(clawbacks), Warnings: []string{}}
		body, err := json.Marshal(res)
		if err != nil {
			return store.Write{}, nil, err
		}
		return store.Write{
			Record:  key,
			Txn:     store.Txn{Kind: "refund", Hash: pl.Hash, Response: string(body), OccurredAt: pl.OccurredAt, OrderID: pl.OrderID},
			Entries: clawbacks, Unclawed: ref.Unclawed,
			OrderKey: orderKey, Order: &updated, OrderVersion: o.Version,
		}, body, nil
	})
}
