package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/attribution"
	"github.com/tallyhq/tally/shared/domain/period"
	"github.com/tallyhq/tally/shared/domain/program"
)

// OptInResult answers an opt-in.
type OptInResult struct {
	OptInID      string   `json:"optin_id"`
	AttributedTo *string  `json:"attributed_to"`
	Warnings     []string `json:"warnings"`
}

// optIn records an opt-in (SPEC 4.1): it counts on the link it came
// through, and touches the contact's attribution (first or last touch).
// attributed_to is whom the person belongs to afterwards.
func (r *receiver) optIn(ctx context.Context, p *program.Program, pl payload, log *slog.Logger) (json.RawMessage, error) {
	key := store.OptInKey(pl.ID)
	body, _, err := r.commit(ctx, key, pl.Hash, pl.ID, func() (store.Write, json.RawMessage, error) {
		cur, version, err := r.contact(ctx, pl.Email)
		if err != nil {
			return store.Write{}, nil, err
		}
		d, _, err := r.decide(ctx, p, attribution.Evidence{
			Kind: attribution.OptIn, At: pl.OccurredAt, Click: pl.Click, Affiliate: pl.Affiliate, Event: pl.Event, Current: cur,
		})
		if err != nil {
			return store.Write{}, nil, err
		}
		warnings := d.Warnings
		if _, ok := p.Event(pl.Event); !ok {
			warnings = append(warnings, fmt.Sprintf("unknown event %q", pl.Event))
		}
		res := OptInResult{OptInID: pl.ID, Warnings: warningsOrEmpty(warnings)}
		if d.Owner != "" {
			res.AttributedTo = &d.Owner
		}
		w := store.Write{Record: key}
		setContact(&w, pl.Email, d.Next, version)
		if ref := d.Referral; ref.Affiliate != "" {
			date := period.Date(pl.OccurredAt, p.Location())
			w.Stats = append(w.Stats, store.StatAdd{Affiliate: ref.Affiliate, Date: date, Event: ref.LinkEvent, Sub: ref.Sub, Delta: store.StatDelta{OptIns: 1}})
		}
		body, err := json.Marshal(res)
		if err != nil {
			return store.Write{}, nil, err
		}
		w.Txn = store.Txn{Kind: "optin", Hash: pl.Hash, Response: string(body), OccurredAt: pl.OccurredAt,
			Referrer: d.Referral.Affiliate, LinkEvent: d.Referral.LinkEvent}
		return w, body, nil
	})
	return body, err
}
