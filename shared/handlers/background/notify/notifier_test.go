package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/mail"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/payout"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/background/notify"
)

// flakyQueue is the webhook queue, refusing the deliveries refuse names
// while it is set.
type flakyQueue struct {
	queued
	refuse func(notify.Delivery) bool
}

func (q *flakyQueue) SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	var d notify.Delivery
	if err := json.Unmarshal([]byte(aws.ToString(in.MessageBody)), &d); err != nil {
		return nil, err
	}
	if q.refuse != nil && q.refuse(d) {
		return nil, errors.New("queue unavailable")
	}
	return q.queued.SendMessage(ctx, in, opts...)
}

// deliveries are the queued webhooks, as "id url", sorted.
func (q *flakyQueue) deliveries(t *testing.T) []string {
	t.Helper()
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []string
	for _, body := range q.sent["main"] {
		var d notify.Delivery
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d.ID+" "+d.URL)
	}
	slices.Sort(out)
	return out
}

// mails are the mails sent, as "to|subject", sorted.
func (o *outbox) mails() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, m := range o.sent {
		out = append(out, m.To+"|"+m.Subject)
	}
	slices.Sort(out)
	return out
}

// The one stream function runs the mail and the webhook consumers on each
// batch, and Lambda retries the batch from the first record either did
// not finish: here the webhook consumer fails on record k (its second
// endpoint refused) after the mail consumer mailed the whole batch. The
// batch redelivered from k mails no one again and queues no webhook twice
// (not even record k's first endpoint's); a payout whose second mail
// failed mails its first payee once; and the whole batch delivered once
// more sends nothing new.
func TestRedeliveredBatchSendsEachMailAndWebhookOnce(t *testing.T) {
	ctx := context.Background()
	src := string(demo.YAML) + "\nwebhooks_out:\n" +
		"  - url: https://crm.example.com/a\n    secret: " + endpointSecret + "\n    events: [commission.created, payout.paid]\n" +
		"  - url: https://crm.example.com/b\n    secret: " + endpointSecret + "\n    events: [commission.created, payout.paid]\n"
	p, err := program.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	db := dynamotest.Client(t)
	st := store.New(db, dynamotest.NewTable(t, db))
	dynamotest.Load(t, st, p)
	t0 := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	paid := t0.Add(-time.Hour)
	if err := st.PutPayout(ctx, payout.Payout{ID: "po_1", Status: payout.StatusPaid, Currency: "USD", TotalCents: 5850,
		AsOf: paid, CreatedAt: paid, PaidAt: &paid, Reference: "PP-1"}); err != nil {
		t.Fatal(err)
	}
	for _, it := range []payout.Item{{PayoutID: "po_1", Affiliate: "jane", ID: "jane", AmountCents: 4850}, {PayoutID: "po_1", Affiliate: "bob", ID: "bob", AmountCents: 1000}} {
		if err := st.ClaimBatch(ctx, it, nil, true, true); err != nil {
			t.Fatal(err)
		}
	}
	box, q := &failingOutbox{}, &flakyQueue{queued: queued{sent: map[string][]string{}}}
	d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour, Local: true, PublicBaseURL: "https://go.example.com",
		MailLinkKey: "0123456789abcdef0123456789abcdef", WebhookQueueURL: "main", WebhookDLQURL: "dead"}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	d.Mail, d.SQS = box, q
	stream := notify.Notifier{Mail: notify.NewMailer(d).Handle, Webhooks: notify.NewQueuer(d).Handle}.Handle

	batch := []store.Change{entryAt(t, "jane", "o-1", t0), entryAt(t, "bob", "o-2", t0), entryAt(t, "kim", "o-3", t0),
		{Op: "MODIFY", At: t0, Sequence: "po", Key: store.PayoutKey("po_1"), Payout: &store.PayoutStatus{ID: "po_1", Old: payout.StatusDraft, New: payout.StatusPaid}}}
	const k = 1
	recordK, _ := notify.FromChange(batch[k])
	q.refuse = func(dv notify.Delivery) bool { return dv.ID == recordK[0].ID && strings.HasSuffix(dv.URL, "/b") }
	box.refuse = func(to, subject string) bool {
		return to == "jane@example.com" && strings.HasPrefix(subject, "You were paid")
	}

	failed, err := stream(ctx, batch)
	if err == nil || failed != batch[k].Sequence {
		t.Fatalf("first delivery: failed %q, %v; want record %d (%s) reported", failed, err, k, batch[k].Sequence)
	}
	if got := q.deliveries(t); len(got) != 2+1 {
		t.Fatalf("before the failure %d webhooks were queued, want record 0's two endpoints and record %d's first: %q", len(got), k, got)
	}
	if got := box.mails(); len(got) != 4 {
		t.Fatalf("the mail consumer sent %d mails of the batch, want all but jane's payout (bob's went first): %q", len(got), got)
	}

	// Lambda delivers the batch again from record k; the queue and the
	// mail are back.
	q.refuse, box.refuse = nil, nil
	if failed, err := stream(ctx, batch[k:]); err != nil {
		t.Fatalf("redelivery from record %d: failed %q, %v", k, failed, err)
	}
	wantMail := []string{"bob@example.com|New commission: $48.50", "bob@example.com|You were paid $10.00",
		"jane@example.com|New commission: $48.50", "jane@example.com|You were paid $48.50", "kim@example.com|New commission: $48.50"}
	var wantHooks []string
	for _, r := range batch {
		evs, _ := notify.FromChange(r)
		for _, e := range evs {
			wantHooks = append(wantHooks, e.ID+" https://crm.example.com/a", e.ID+" https://crm.example.com/b")
		}
	}
	slices.Sort(wantHooks)
	check := func(when string) {
		t.Helper()
		if got := box.mails(); !slices.Equal(got, wantMail) {
			t.Errorf("%s: mail sent\n%q\nwant each once\n%q", when, got, wantMail)
		}
		if got := q.deliveries(t); !slices.Equal(got, wantHooks) {
			t.Errorf("%s: webhooks queued\n%q\nwant each once\n%q", when, got, wantHooks)
		}
	}
	check("after the redelivery from record k")

	// The whole batch once more (a restarted consumer from an older
	// checkpoint): nothing new.
	if failed, err := stream(ctx, batch); err != nil {
		t.Fatalf("the batch again: failed %q, %v", failed, err)
	}
	check("after the whole batch again")
}

// failingOutbox is an outbox refusing the mails refuse names while it is set.
type failingOutbox struct {
	outbox
	refuse func(to, subject string) bool
}

func (o *failingOutbox) Send(ctx context.Context, m mail.Message) error {
	if o.refuse != nil && o.refuse(m.To, m.Subject) {
		return errors.New("mail unavailable")
	}
	return o.outbox.Send(ctx, m)
}

// The stream function reports the earlier, in the batch's order, of the
// two consumers' first failures: Lambda retries from it, and the marks make
// the consumer that got further skip what it did.
func TestNotifierReportsTheEarlierFailure(t *testing.T) {
	rs := []store.Change{{Sequence: "300"}, {Sequence: "100"}, {Sequence: "200"}} // sequence numbers need not sort as text
	failAt := func(seq string) notify.StreamHandler {
		return func(context.Context, []store.Change) (string, error) {
			if seq == "" {
				return "", nil
			}
			return seq, errors.New("failed at " + seq)
		}
	}
	for _, c := range []struct{ mail, hooks, want string }{
		{"", "", ""},
		{"100", "", "100"},
		{"", "200", "200"},
		{"200", "100", "100"},
		{"100", "200", "100"},
		{"300", "200", "300"},
	} {
		got, err := notify.Notifier{Mail: failAt(c.mail), Webhooks: failAt(c.hooks)}.Handle(context.Background(), rs)
		if got != c.want || (err != nil) != (c.want != "") {
			t.Errorf("mail failing at %q, webhooks at %q: reported %q (%v), want %q", c.mail, c.hooks, got, err, c.want)
		}
	}
}

// The two consumers read an event's marks once between them: a batch of
// commissions, each both mailed and sent as a webhook, makes one Query of
// marks per commission fewer than the mail consumer and the webhook
// consumer make on their own (each function warmed first, so the rest of
// their reads come from its caches alike).
func TestBothConsumersReadAnEventsMarksOnce(t *testing.T) {
	ctx := context.Background()
	src := string(demo.YAML) + "\nwebhooks_out:\n" +
		"  - url: https://crm.example.com/a\n    secret: " + endpointSecret + "\n    events: [commission.created]\n"
	p, err := program.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	affs := []string{"jane", "bob", "kim"}
	queries := func(mailing, hooking bool) (dynamometer.Counts, int, int) {
		var m dynamometer.Meter
		db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
		st := store.New(db, dynamotest.NewTable(t, db))
		dynamotest.Load(t, st, p)
		box, q := &outbox{}, &queued{sent: map[string][]string{}}
		d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour, Local: true, PublicBaseURL: "https://go.example.com",
			MailLinkKey: "0123456789abcdef0123456789abcdef", WebhookQueueURL: "main", WebhookDLQURL: "dead"}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
		d.Mail, d.SQS = box, q
		none := func(context.Context, []store.Change) (string, error) { return "", nil }
		n := notify.Notifier{Mail: none, Webhooks: none}
		if mailing {
			n.Mail = notify.NewMailer(d).Handle
		}
		if hooking {
			n.Webhooks = notify.NewQueuer(d).Handle
		}
		batch := func(prefix string) []store.Change {
			var b []store.Change
			for _, a := range affs {
				b = append(b, entryAt(t, a, prefix+a, t0))
			}
			return b
		}
		if _, err := n.Handle(ctx, batch("warm-")); err != nil {
			t.Fatal(err)
		}
		before := m.Snapshot()
		if _, err := n.Handle(ctx, batch("o-")); err != nil {
			t.Fatal(err)
		}
		return m.Since(before), len(box.sent), len(q.sent["main"])
	}
	both, mails, hooks := queries(true, true)
	mailOnly, mailsAlone, _ := queries(true, false)
	hookOnly, _, hooksAlone := queries(false, true)
	if mails != 2*len(affs) || hooks != 2*len(affs) || mailsAlone != mails || hooksAlone != hooks {
		t.Fatalf("sent %d mails and %d webhooks together, %d and %d apart; want %d of each", mails, hooks, mailsAlone, hooksAlone, 2*len(affs))
	}
	if q := both.Requests["Query"]; q != mailOnly.Requests["Query"]+hookOnly.Requests["Query"]-len(affs) {
		t.Errorf("Queries of a batch of %d commissions: %d by both consumers, %d by mail alone, %d by webhooks alone; want one marks read per commission between them",
			len(affs), q, mailOnly.Requests["Query"], hookOnly.Requests["Query"])
	}
	for _, c := range []struct {
		name string
		c    dynamometer.Counts
	}{{"both", both}, {"mail alone", mailOnly}, {"webhooks alone", hookOnly}} {
		t.Logf("%d commissions, %s: %s, %.1f read units, %.1f write units", len(affs), c.name, c.c, c.c.AWSReadUnits(), c.c.AWSWriteUnits())
	}
}
