package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/tallyhq/tally/shared/adapters/queue"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/egress"
	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/domain/program"
)

// SQS is the queue client (Amazon SQS, or a local stand-in).
type SQS = app.SQS

// Delivery is one queued message: one event for one endpoint. The body is
// built once, when queued, so every try sends the same bytes; the secret is
// looked up when sending and never travels through the queue.
type Delivery struct {
	ID       string    `json:"id"` // the webhook-id
	Type     string    `json:"type"`
	URL      string    `json:"url"`
	Body     string    `json:"body"`
	FirstTry time.Time `json:"first_try"`
	// LastError is why the last try failed (set on the dead-letter queue).
	LastError string `json:"last_error,omitempty"`
	Tries     int    `json:"tries,omitempty"`
}

// Queuer queues the deliveries of events: one message per (event,
// endpoint) that asked for its type.
type Queuer struct {
	Store *store.Store
	// Rules hold the endpoints: no affiliate is read to queue an event.
	Rules    *program.Cache
	SQS      SQS
	QueueURL string
	Log      *slog.Logger
	Now      func() time.Time
}

// Handle queues the events of records, in order. It stops at the first
// record that fails and returns its sequence number, so the stream retries
// from it. Each delivery queued is marked, and a record delivered again
// queues it no second time (were it queued again, after a crash between
// the send and its mark, it carries the same id, which receivers
// deduplicate).
func (q *Queuer) Handle(ctx context.Context, rs []store.Change) (string, error) {
	return eachEvent(ctx, q.Rules, q.Log, rs, q.event)
}

// eachEvent calls f for the events of records, in order, with the rules
// (f reads the affiliates an event names by key); on a failure it returns
// the failed record's sequence number.
func eachEvent(ctx context.Context, rules *program.Cache, log *slog.Logger, rs []store.Change, f func(context.Context, *program.Program, Event) error) (string, error) {
	p, err := rules.Get(ctx)
	if err != nil {
		if len(rs) > 0 {
			return rs[0].Sequence, err
		}
		return "", err
	}
	for _, r := range rs {
		evs, err := FromChange(r)
		if err != nil {
			// A record we cannot read will not read better later: log it
			// and move on rather than block the shard.
			log.Error("unreadable stream record", "sequence", r.Sequence, "err", err.Error())
			continue
		}
		for _, e := range evs {
			if err := f(ctx, p, e); err != nil {
				return r.Sequence, err
			}
		}
	}
	return "", nil
}

func (q *Queuer) event(ctx context.Context, p *program.Program, e Event) error {
	var body []byte
	sent := newProgress(ctx, q.Store, e)
	for _, w := range p.WebhooksOut {
		if !slices.Contains(w.Events, e.Type) {
			continue
		}
		if body == nil {
			data, err := EventData(ctx, q.Store, e)
			if err != nil {
				return err
			}
			if body, err = Body(e, data); err != nil {
				return err
			}
		}
		d := Delivery{ID: e.ID, Type: e.Type, URL: w.URL, Body: string(body), FirstTry: q.Now().UTC()}
		if err := sent.once(ctx, hookDelivery(w.URL), func() error { return Enqueue(ctx, q.SQS, q.QueueURL, d, 0) }); err != nil {
			return err
		}
	}
	return nil
}

// EventData is the event's data: carried by the record, or for a payout
// read from the table (the payout with its items, as section 9 shows it).
func EventData(ctx context.Context, st *store.Store, e Event) (json.RawMessage, error) {
	if e.PayoutID == "" {
		return e.Data, nil
	}
	po, err := st.GetPayout(ctx, e.PayoutID)
	if err != nil {
		return nil, err
	}
	if po == nil {
		return nil, fmt.Errorf("payout %s not found", e.PayoutID)
	}
	a, _, err := paying.Load(ctx, st, po)
	if err != nil {
		return nil, err
	}
	return json.Marshal(a)
}

// Enqueue sends a delivery to a queue, visible after delay.
func Enqueue(ctx context.Context, q SQS, url string, d Delivery, delay time.Duration) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if err := queue.Send(ctx, q, url, string(b), delay); err != nil {
		return fmt.Errorf("queue %s for %s: %w", d.ID, egress.Name(d.URL), err)
	}
	return nil
}
