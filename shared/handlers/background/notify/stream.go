package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
)

// StreamHandler consumes a batch of the table's changes in order; on
// failure it returns the sequence number of the first change not done.
type StreamHandler func(ctx context.Context, cs []store.Change) (failed string, err error)

// Notifier is the one function that tells people from the table's stream
// (AWS advises at most two functions reading a shard; the leaderboards and
// summaries are the other): each batch goes through the mail consumer and
// the webhook consumer. Each goes through the whole batch whatever the
// other did, so a mail outage holds back no webhook; the batch is retried
// from the first record either did not finish, and each consumer's marks
// (progress) make it skip what it already sent.
type Notifier struct {
	Mail, Webhooks StreamHandler
}

// Handle runs both consumers on the batch, at once (a batch takes as long
// as the slower, as when they were functions of their own); on failure it
// returns the earliest record, in the batch's order, that one of them did
// not finish. The two share the batch's reads of delivery marks.
func (n Notifier) Handle(ctx context.Context, rs []store.Change) (string, error) {
	ctx = context.WithValue(ctx, batchKey{}, &batchMarks{events: map[string]*eventMarks{}})
	var mailFailed string
	var mailErr error
	mailed := make(chan struct{})
	go func() {
		defer close(mailed)
		mailFailed, mailErr = n.Mail(ctx, rs)
	}()
	hookFailed, hookErr := n.Webhooks(ctx, rs)
	<-mailed
	switch {
	case mailErr == nil:
		return hookFailed, hookErr
	case hookErr == nil:
		return mailFailed, mailErr
	}
	err := errors.Join(mailErr, hookErr)
	for _, r := range rs {
		if r.Sequence == mailFailed || r.Sequence == hookFailed {
			return r.Sequence, err
		}
	}
	return mailFailed, err
}

// progress is what of one event already went out, read from the table the
// first time a delivery of it is due: a record delivered again (the batch
// retried from a record the other consumer failed on, or from one of this
// consumer's own deliveries that failed) sends only what was not sent. The
// mark is written after the send: a crash between the two sends that one
// again, with the same content (webhooks with the same webhook-id).
type progress struct {
	store *store.Store
	event string
	marks *eventMarks
}

// eventMarks are an event's marks as read once in a batch, with what was
// sent since.
type eventMarks struct {
	read sync.Once
	err  error
	mu   sync.Mutex
	done map[string]bool
}

// batchMarks are the marks read in one batch, shared by its two consumers:
// an event that is both mailed and sent as a webhook reads its marks once
// (one Query), not once a consumer. The consumers never send the same
// delivery (MAIL# and HOOK#), so one's sends do not change what the other
// reads; a retried batch reads them again.
type batchMarks struct {
	mu     sync.Mutex
	events map[string]*eventMarks
}

type batchKey struct{}

func newProgress(ctx context.Context, st *store.Store, e Event) *progress {
	p := &progress{store: st, event: e.ID, marks: &eventMarks{}}
	if b, ok := ctx.Value(batchKey{}).(*batchMarks); ok {
		b.mu.Lock()
		if m := b.events[e.ID]; m != nil {
			p.marks = m
		} else {
			b.events[e.ID] = p.marks
		}
		b.mu.Unlock()
	}
	return p
}

// once sends one delivery of the event (named by mailDelivery or
// hookDelivery) unless it went out before, then marks it.
func (p *progress) once(ctx context.Context, delivery string, send func() error) error {
	m := p.marks
	m.read.Do(func() { m.done, m.err = p.store.Notified(ctx, p.event) })
	if m.err != nil {
		return m.err
	}
	m.mu.Lock()
	sent := m.done[delivery]
	m.mu.Unlock()
	if sent {
		return nil
	}
	if err := send(); err != nil {
		return err
	}
	m.mu.Lock()
	m.done[delivery] = true
	m.mu.Unlock()
	return p.store.MarkNotified(ctx, p.event, delivery, time.Now())
}

// mailDelivery names an event's mail to an affiliate.
func mailDelivery(affiliate string) string { return "MAIL#" + affiliate }

// hookDelivery names an event's webhook to an endpoint: by a hash of its
// URL, which may be longer than a sort key and is kept out of the table.
func hookDelivery(url string) string {
	sum := sha256.Sum256([]byte(url))
	return "HOOK#" + hex.EncodeToString(sum[:16])
}
