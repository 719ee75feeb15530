// Package webhooks receives the signed opt-in and order webhooks (SPEC
// section 4): it verifies them, decides attribution and commissions with
// the pure rules, and records each one exactly once in a single
// transaction, so a replay or a concurrent duplicate never double-counts.
package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/webhooksig"
	"github.com/tallyhq/tally/shared/web/apierr"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// MaxBody is the largest body accepted.
const MaxBody = 256 << 10

// attempts bounds the retries after a concurrent change.
const attempts = 8

type receiver struct {
	st *store.Store
	// rules is the program without affiliates, and known the affiliates
	// read by key: a webhook reads only those it names (SPEC 15).
	rules    *program.Cache
	known    *program.Known
	verifier *webhooksig.Verifier
	keys     *clicktoken.Keys
	log      *slog.Logger
	now      func() time.Time
}

func newReceiver(d *app.Deps) *receiver {
	r := newRecorder(d)
	r.verifier = d.WebhookVerifier()
	return r
}

// newRecorder is a receiver without a verifier, for the checkouts' own
// webhooks (verified by their own scheme).
func newRecorder(d *app.Deps) *receiver {
	return &receiver{st: d.Store, rules: d.Rules, known: d.Affiliates, keys: d.ClickKeys(), log: d.Log, now: d.Now}
}

// OptIns serves POST /webhooks/optins.
func OptIns(d *app.Deps) apigw.Handler {
	r := newReceiver(d)
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		return r.serve(ctx, req, func(ctx context.Context, p *program.Program, body []byte, log *slog.Logger) (any, error) {
			pl, err := decodeOptIn(body)
			if err != nil {
				return nil, err
			}
			return r.optIn(ctx, p, pl, log)
		})
	}
}

// Orders serves POST /webhooks/orders: paid orders and refunds.
func Orders(d *app.Deps) apigw.Handler {
	r := newReceiver(d)
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		return r.serve(ctx, req, func(ctx context.Context, p *program.Program, body []byte, log *slog.Logger) (any, error) {
			pl, err := decodeOrder(body)
			if err != nil {
				return nil, err
			}
			if pl.Type == TypeRefunded {
				return r.refund(ctx, p, pl, log)
			}
			if pl.Currency != p.Currency {
				return nil, apierr.Unprocessable("currency_mismatch", "currency %q is not the program's %s", pl.Currency, p.Currency)
			}
			return r.order(ctx, p, pl, log)
		})
	}
}

// process runs a verified webhook over the program's rules (no affiliate
// in them: each one it names is read by key, see decide).
type process func(ctx context.Context, p *program.Program, body []byte, log *slog.Logger) (any, error)

// serve checks size and signature before anything is read or written, then
// runs the webhook and answers its JSON (a replay answers the stored bytes).
func (r *receiver) serve(ctx context.Context, req apigw.Request, run process) (apigw.Response, error) {
	log := apigw.Logger(ctx, r.log, req).With("webhook_id", apigw.Header(req, webhooksig.HeaderID))
	body, err := apigw.Body(req)
	if err != nil {
		return apigw.Error(log, err), nil
	}
	if len(body) > MaxBody {
		return apigw.Error(log, apierr.New(http.StatusRequestEntityTooLarge, "too_large", "body is over %d KB", MaxBody>>10)), nil
	}
	if err := r.verifier.Verify(apigw.Header(req, webhooksig.HeaderID), apigw.Header(req, webhooksig.HeaderTimestamp),
		apigw.Header(req, webhooksig.HeaderSignature), body); err != nil {
		log.Warn("webhook refused", "err", err.Error())
		return apigw.Error(log, apierr.New(http.StatusUnauthorized, "bad_signature", "missing or wrong signature, or a stale timestamp")), nil
	}
	p, err := r.rules.Get(ctx)
	if err != nil {
		return apigw.Error(log, fmt.Errorf("program: %w", err)), nil
	}
	out, err := run(ctx, p, body, log)
	if err != nil {
		return apigw.Error(log, err), nil
	}
	if raw, ok := out.(json.RawMessage); ok {
		return apigw.Response{StatusCode: http.StatusOK, Headers: map[string]string{
			"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
		}, Body: string(raw)}, nil
	}
	return apigw.JSON(http.StatusOK, out), nil
}

// replay answers a webhook whose id was seen: the same payload gets the
// same answer and changes nothing; another payload is a conflict.
func replay(t *store.Txn, hash, id string) (json.RawMessage, error) {
	if t.Hash != hash {
		return nil, apierr.Conflict("id_conflict", "id %q was already used with another payload", id)
	}
	return json.RawMessage(t.Response), nil
}

// commit writes with retries: a concurrent duplicate that wins makes this a
// replay; a moved contact or order makes it read and decide again. An
// order whose record holds refunds that came before it (kept pending)
// replaces that record, keeping them on the order until each is applied;
// they are returned (on a replay too: those not applied yet).
func (r *receiver) commit(ctx context.Context, key store.Key, hash, id string, build func() (store.Write, json.RawMessage, error)) (json.RawMessage, []store.PendingRefund, error) {
	for i := 0; i < attempts; i++ {
		t, err := r.st.GetTxn(ctx, key)
		if err != nil {
			return nil, nil, err
		}
		if t.Recorded() {
			body, err := replay(t, hash, id)
			if err != nil {
				return nil, nil, err
			}
			return body, t.Pending, nil
		}
		w, resp, err := build()
		if err != nil {
			return nil, nil, err
		}
		if t != nil { // refunds of this id's order came first
			if w.Txn.Kind != "order" {
				return nil, nil, apierr.Conflict("id_conflict", "id %q names an order that has refunds waiting for it", id)
			}
			w.Replaces, w.Txn.Pending = &t.Version, t.Pending
		}
		switch err := r.st.Commit(ctx, w); {
		case err == nil:
			return resp, w.Txn.Pending, nil
		case errors.Is(err, store.ErrExists), errors.Is(err, store.ErrRetry):
			time.Sleep(time.Duration(rand.IntN(20*(i+1))) * time.Millisecond)
		default:
			return nil, nil, err
		}
	}
	return nil, nil, fmt.Errorf("webhook %s: still contended after %d attempts", id, attempts)
}

func warningsOrEmpty(w []string) []string {
	if w == nil {
		return []string{}
	}
	return w
}
