package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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
// not finish.
func (n Notifier) Handle(ctx context.Context, rs []store.Change) (string, error) {
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
	done  map[string]bool
}

func newProgress(st *store.Store, e Event) *progress { return &progress{store: st, event: e.ID} }

// once sends one delivery of the event (named by mailDelivery or
// hookDelivery) unless it went out before, then marks it.
func (p *progress) once(ctx context.Context, delivery string, send func() error) error {
	if p.done == nil {
		done, err := p.store.Notified(ctx, p.event)
		if err != nil {
			return err
		}
		p.done = done
	}
	if p.done[delivery] {
		return nil
	}
	if err := send(); err != nil {
		return err
	}
	p.done[delivery] = true
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
