package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/payout"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/background/notify"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// queued keeps what is sent to each queue.
type queued struct {
	mu   sync.Mutex
	sent map[string][]string
}

func (q *queued) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sent[aws.ToString(in.QueueUrl)] = append(q.sent[aws.ToString(in.QueueUrl)], aws.ToString(in.MessageBody))
	return &sqs.SendMessageOutput{}, nil
}

func (q *queued) ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	return &sqs.ReceiveMessageOutput{}, nil
}

func (q *queued) DeleteMessage(context.Context, *sqs.DeleteMessageInput, ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	return &sqs.DeleteMessageOutput{}, nil
}

func (q *queued) ChangeMessageVisibility(context.Context, *sqs.ChangeMessageVisibilityInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

const endpointSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// Each notify function, from a cold start, reads the rules and the
// affiliates its records name, by key, never every affiliate (SPEC 15):
// the mail stream (jane's commission, kim's override on crowd-0000's sale,
// a payout paid to jane and crowd-0000), bob's daily digest, the webhook
// stream and the webhook sender read the same requests and bytes in a
// program of 4 affiliates as of 1,004, and send the same mail and the
// same webhooks.
func TestColdNotifyFunctionsReadOnlyTheAffiliatesTheirRecordsName(t *testing.T) {
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	var mu sync.Mutex
	var received []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		received = append(received, r.Header.Get("webhook-id")+" "+string(body))
		mu.Unlock()
	}))
	defer srv.Close()
	src := strings.Replace(string(demo.YAML), "    api_key: dev-bob-key\n", "    api_key: dev-bob-key\n    notify: daily\n", 1) +
		"\nwebhooks_out:\n  - url: " + srv.URL + "\n    secret: " + endpointSecret + "\n    events: [commission.created, payout.paid]\n"
	p, err := program.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	day := "2026-11-03"
	override := entryAt(t, "kim", "o-crowd", t0)
	override.Entry.Type, override.Entry.Rule, override.Entry.Recruit, override.Entry.RateBP = "override", "override_bp", "crowd-0000", 1000
	override.Entry.AmountCents, override.Entry.BasisCents = 485, 4850
	records := []store.Change{entryAt(t, "jane", "o-jane", t0), override,
		{Op: "MODIFY", At: t0, Sequence: "po", Key: store.PayoutKey("po_1"), Payout: &store.PayoutStatus{ID: "po_1", Old: payout.StatusDraft, New: payout.StatusPaid}}}

	type run struct {
		cost       map[string]dynamometer.Counts
		mail       []string
		deliveries []string
	}
	measure := func(crowd int) run {
		st := store.New(db, dynamotest.NewTable(t, db))
		dynamotest.Load(t, st, p)
		dynamotest.ImportCrowd(t, st, 0, 1)
		if crowd > 1 {
			dynamotest.ImportCrowd(t, st, 1, crowd-1)
		}
		paid := t0.Add(-time.Hour)
		if err := st.PutPayout(ctx, payout.Payout{ID: "po_1", Status: payout.StatusPaid, Currency: "USD", TotalCents: 5850,
			AsOf: paid, CreatedAt: paid, PaidAt: &paid, Reference: "PP-1"}); err != nil {
			t.Fatal(err)
		}
		for _, it := range []payout.Item{{PayoutID: "po_1", Affiliate: "jane", ID: "jane", AmountCents: 4850}, {PayoutID: "po_1", Affiliate: "crowd-0000", ID: "crowd-0000", AmountCents: 1000}} {
			if err := st.ClaimBatch(ctx, it, nil, true, true); err != nil {
				t.Fatal(err)
			}
		}
		bobs := entryAt(t, "bob", "o-bob", t0)
		if err := st.PutDigestEntry(ctx, day, *bobs.Entry, t0); err != nil {
			t.Fatal(err)
		}
		box, q := &outbox{}, &queued{sent: map[string][]string{}}
		cold := func() *app.Deps {
			d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour, Local: true, PublicBaseURL: "https://go.example.com",
				MailLinkKey: "0123456789abcdef0123456789abcdef", WebhookQueueURL: "main", WebhookDLQURL: "dead"}, db, logger)
			d.Mail, d.SQS = box, q
			return d
		}
		r := run{cost: map[string]dynamometer.Counts{}}
		metered := func(name string, f func() error) {
			t.Helper()
			before := m.Snapshot()
			if err := f(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			r.cost[name] = m.Since(before)
		}
		metered("mail stream", func() error { _, err := notify.NewMailer(cold()).Handle(ctx, records); return err })
		metered("digest", func() error { return notify.DigestFunction(cold())(ctx, notify.DigestInput{Date: day}) })
		metered("webhook stream", func() error { _, err := notify.NewQueuer(cold()).Handle(ctx, records); return err })
		var batch events.SQSEvent
		for i, body := range q.sent["main"] {
			var dv notify.Delivery
			if err := json.Unmarshal([]byte(body), &dv); err != nil {
				t.Fatal(err)
			}
			r.deliveries = append(r.deliveries, dv.ID+" "+dv.Type+" "+dv.Body)
			batch.Records = append(batch.Records, events.SQSMessage{MessageId: string(rune('a' + i)), Body: body, Attributes: map[string]string{"ApproximateReceiveCount": "1"}})
		}
		mu.Lock()
		received = nil
		mu.Unlock()
		metered("webhook sender", func() error {
			resp, err := notify.NewSender(cold()).HandleSQS(ctx, batch)
			if err == nil && len(resp.BatchItemFailures) > 0 {
				t.Errorf("deliveries failed: %+v", resp.BatchItemFailures)
			}
			return err
		})
		for _, msg := range box.sent {
			r.mail = append(r.mail, msg.To+"|"+msg.Subject+"|"+msg.Text)
		}
		slices.Sort(r.mail)
		slices.Sort(r.deliveries)
		mu.Lock()
		got := slices.Clone(received)
		mu.Unlock()
		slices.Sort(got)
		var want []string
		for _, d := range r.deliveries {
			id, rest, _ := strings.Cut(d, " ")
			_, body, _ := strings.Cut(rest, " ")
			want = append(want, id+" "+body)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("the endpoint received\n%v\nwant what was queued\n%v", got, want)
		}
		return r
	}
	few, many := measure(1), measure(1000)
	for _, name := range []string{"mail stream", "digest", "webhook stream", "webhook sender"} {
		a, b := few.cost[name], many.cost[name]
		t.Logf("%-14s cold, 4 affiliates: %v, %.1f read units, %d bytes; 1,004: %v, %.1f read units, %d bytes", name, a, a.AWSReadUnits(), a.ReadBytes, b, b.AWSReadUnits(), b.ReadBytes)
		if a.String() != b.String() || a.ReadBytes != b.ReadBytes {
			t.Errorf("%s: a cold start read %v (%d bytes) with 4 affiliates, %v (%d bytes) with 1,004", name, a, a.ReadBytes, b, b.ReadBytes)
		}
	}
	if !reflect.DeepEqual(few.mail, many.mail) || !reflect.DeepEqual(few.deliveries, many.deliveries) {
		t.Errorf("the records came out differently:\n4:     %q\n       %q\n1,004: %q\n       %q", few.mail, few.deliveries, many.mail, many.deliveries)
	}
	// What was sent: jane's commission and payout, kim's override naming
	// her recruit, crowd-0000's payout, bob's digest; three webhooks.
	to := map[string]int{}
	for _, msg := range few.mail {
		addr, _, _ := strings.Cut(msg, "|")
		to[addr]++
		if strings.HasPrefix(msg, "kim@") && !strings.Contains(msg, "Crowd 0") {
			t.Errorf("kim's override mail does not name her recruit: %s", msg)
		}
	}
	if want := map[string]int{"jane@example.com": 2, "kim@example.com": 1, "crowd-0000@example.org": 1, "bob@example.com": 1}; !reflect.DeepEqual(to, want) {
		t.Errorf("mail to %v, want %v", to, want)
	}
	if len(few.deliveries) != 3 {
		t.Errorf("%d webhooks queued, want 3: %q", len(few.deliveries), few.deliveries)
	}
}

// The owner's failed-webhooks list and an affiliate's mail setting, from a
// cold start, read the same requests and bytes in a program of 4
// affiliates as of 1,004: the owner's gate reads the rules, the mail
// setting the rules and that affiliate by key (SPEC 15).
func TestColdWebhookAndMailPagesReadNoOtherAffiliate(t *testing.T) {
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	st := store.New(db, dynamotest.NewTable(t, db))
	dynamotest.Load(t, st, demo.Program())
	call := func(h func(context.Context, apigw.Request) (apigw.Response, error), path, role, subject string) (dynamometer.Counts, string) {
		t.Helper()
		req := apigw.Request{RawPath: path, Headers: map[string]string{"accept": "application/json", "authorization": "Bearer a-key"}}
		req.RequestContext.HTTP.Method = http.MethodGet
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"role": role, "subject": subject, "auth": "ok"}}
		before := m.Snapshot()
		resp, err := h(ctx, req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %v %d %s", path, err, resp.StatusCode, resp.Body)
		}
		return m.Since(before), resp.Body
	}
	cold := func() map[string]string {
		out := map[string]string{}
		fresh := func() *app.Deps {
			d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour, WebhookQueueURL: "main", WebhookDLQURL: "dead"}, db,
				slog.New(slog.NewJSONHandler(io.Discard, nil)))
			d.SQS = &queued{sent: map[string][]string{}}
			return d
		}
		for name, h := range map[string]func() (dynamometer.Counts, string){
			"failed webhooks": func() (dynamometer.Counts, string) {
				return call(notify.FailedList(fresh()), "/admin/webhooks/failed", "owner", "Accounts")
			},
			"mail setting": func() (dynamometer.Counts, string) {
				return call(notify.MailSettings(fresh()), "/reports/mail", "affiliate", "jane")
			},
		} {
			c, body := h()
			out[name] = c.String() + " " + strconv.Itoa(c.ReadBytes) + " bytes|" + body
		}
		return out
	}
	dynamotest.ImportCrowd(t, st, 0, 1)
	few := cold()
	dynamotest.ImportCrowd(t, st, 1, 1000)
	many := cold()
	for _, name := range []string{"failed webhooks", "mail setting"} {
		t.Logf("%-15s cold, 4 affiliates: %s; 1,004: %s", name, few[name], many[name])
		if few[name] != many[name] {
			t.Errorf("%s: with 4 affiliates %s, with 1,004 %s", name, few[name], many[name])
		}
	}
}
