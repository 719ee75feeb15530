package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"

	"github.com/tallyhq/tally/shared/attribution"
	"github.com/tallyhq/tally/shared/period"
	"github.com/tallyhq/tally/shared/program"
	"github.com/tallyhq/tally/shared/store"
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
	return r.commit(ctx, key, pl.Hash, pl.ID, func() (store.Write, json.RawMessage, error) {
		var warnings []string
		var t *attribution.Touch
		if pl.Click != "" {
			c, why := attribution.ValidClick(p, r.keys, pl.Click, pl.OccurredAt)
			if why == "" {
				t = &attribution.Touch{Affiliate: c.Affiliate, Event: c.Event, At: c.At, Via: attribution.ViaClick, Sub: c.Sub}
			} else {
				warnings = append(warnings, why)
			}
		}
		if t == nil && pl.Affiliate != "" {
			a, ok := p.Affiliate(pl.Affiliate)
			switch {
			case !ok || !a.IsActive():
				warnings = append(warnings, fmt.Sprintf("affiliate %q is unknown or inactive (ignored)", pl.Affiliate))
			case len(a.Events) == 0:
				warnings = append(warnings, fmt.Sprintf("affiliate %q is enrolled in no event (ignored)", pl.Affiliate))
			default:
				ev := a.Events[0]
				if a.EnrolledIn(pl.Event) {
					ev = pl.Event
				}
				t = &attribution.Touch{Affiliate: a.Code, Event: ev, At: pl.OccurredAt, Via: attribution.ViaOptIn}
			}
		}
		if _, ok := p.Event(pl.Event); !ok {
			warnings = append(warnings, fmt.Sprintf("unknown event %q", pl.Event))
		}
		res := OptInResult{OptInID: pl.ID, Warnings: warningsOrEmpty(warnings)}
		w := store.Write{Record: key}
		if t != nil {
			ch, err := r.touch(ctx, p, pl.Email, *t)
			if err != nil {
				return store.Write{}, nil, err
			}
			owner := t.Affiliate
			if ch != nil {
				w.ContactEmail, w.Contact, w.ContactVersion = pl.Email, ch.next, ch.version
			} else if c, err := r.st.GetContact(ctx, pl.Email); err != nil {
				return store.Write{}, nil, err
			} else if c != nil {
				owner = c.Affiliate
			}
			res.AttributedTo = &owner
			date := period.Date(pl.OccurredAt, p.Location())
			w.Stats = append(w.Stats, r.st.StatUpdateSub(t.Affiliate, date, t.Event, t.Sub, rand.IntN(store.StatShards), store.StatDelta{OptIns: 1}))
		}
		body, err := json.Marshal(res)
		if err != nil {
			return store.Write{}, nil, err
		}
		w.Txn = store.Txn{Kind: "optin", Hash: pl.Hash, Response: string(body), OccurredAt: pl.OccurredAt}
		return w, body, nil
	})
}
