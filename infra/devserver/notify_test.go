package devserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/eventsource"
	"github.com/tallyhq/tally/infra/sqslocal"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/handlers/background/notify"
)

const endpointSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// receiver is a business's endpoint: it checks every delivery with the
// reference Standard Webhooks library and counts tries and successes per
// webhook-id; fail decides whether a try is answered 500.
type receiver struct {
	t         *testing.T
	mu        sync.Mutex
	tries     map[string]int
	delivered map[string]int
	bodies    map[string]string
	fail      func(id string, try int) bool
}

func newReceiver(t *testing.T, fail func(string, int) bool) (*receiver, *httptest.Server) {
	r := &receiver{t: t, tries: map[string]int{}, delivered: map[string]int{}, bodies: map[string]string{}, fail: fail}
	wh, err := standardwebhooks.NewWebhook(endpointSecret)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := wh.Verify(body, req.Header); err != nil {
			r.t.Errorf("delivery does not verify with the reference library: %v", err)
			w.WriteHeader(400)
			return
		}
		id := req.Header.Get("webhook-id")
		r.mu.Lock()
		r.tries[id]++
		try := r.tries[id]
		if prev, ok := r.bodies[id]; ok && prev != string(body) {
			r.t.Errorf("%s: two bodies under one id:\n%s\n%s", id, prev, body)
		}
		r.bodies[id] = string(body)
		failing := r.fail != nil && r.fail(id, try)
		if !failing {
			r.delivered[id]++
		}
		r.mu.Unlock()
		if failing {
			w.WriteHeader(500)
			return
		}
		w.WriteHeader(204)
	}))
	t.Cleanup(ts.Close)
	return r, ts
}

func (r *receiver) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.delivered) }

// withEndpoint is the demo program plus one endpoint for every event type.
func withEndpoint(url string) []byte {
	return append(append([]byte{}, demo.YAML...), fmt.Sprintf(`
webhooks_out:
  - url: %s
    secret: %s
    events: [commission.created, commission.clawed_back, payout.paid, order.recorded, optin.recorded]
`, url, endpointSecret)...)
}

// expectedIDs are the event ids the table's orders and entries should give.
func expectedIDs(t *testing.T, st *store.Store, orders []string, affiliates ...string) map[string]string {
	t.Helper()
	want := map[string]string{}
	for _, o := range orders {
		want[notify.EventID(notify.OrderRecorded, store.TxnKey(o))] = notify.OrderRecorded
	}
	for _, a := range affiliates {
		es, err := st.AllEntries(context.Background(), a)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			typ := notify.CommissionCreated
			if e.Type == "clawback" {
				typ = notify.CommissionClawedBack
			}
			want[notify.EventID(typ, store.EntryKey(e.Affiliate, e.At, e.ID))] = typ
		}
	}
	return want
}

func order(id, at string) string {
	return fmt.Sprintf(`{"id":%q,"type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"%s@example.org"},"affiliate":"jane","items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700},{"sku":"SUM26-JANE-COURSE","quantity":1,"unit_price_cents":20000}]}`, id, at, id)
}

// A delivery that fails twice is tried again within seconds (the dev
// server's delays) through a real SQS-compatible queue, and arrives once
// per event id; the ids are those derived from the table's items.
func TestWebhookFailingTwiceArrivesOncePerEventID(t *testing.T) {
	rcv, ep := newReceiver(t, func(_ string, try int) bool { return try <= 2 })
	q := sqslocal.New(t)
	x := startOpts(t, dynamotest.DynamoDBLocal, withEndpoint(ep.URL), func(o *devserver.Options) {
		o.Notify, o.SQS = true, q
		o.Table = dynamotest.NewStreamTable(t, dynamotest.Client(t))
		o.QueueURL, o.DLQURL = q.NewQueue(t, "main", 30), q.NewQueue(t, "dead", 30)
	})
	x.webhook("/webhooks/orders", order("o-1", x.at()))
	x.webhook("/webhooks/optins", fmt.Sprintf(`{"id":"optin-1","occurred_at":%q,"event":"summit-2026","contact":{"email":"pat@example.org"},"affiliate":"jane"}`, x.at()))
	want := expectedIDs(t, x.srv.Store, []string{"o-1"}, "jane")
	want[notify.EventID(notify.OptInRecorded, store.OptInKey("optin-1"))] = notify.OptInRecorded
	if len(want) != 4 { // the order, jane's referral and speaker commissions, the opt-in
		t.Fatalf("expected events %v", want)
	}
	waitFor(t, 40*time.Second, func() bool { return rcv.count() >= len(want) })
	time.Sleep(2 * time.Second) // a duplicate would come within the retry delays
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for id, typ := range want {
		if rcv.delivered[id] != 1 || rcv.tries[id] != 3 {
			t.Errorf("%s %s: delivered %d times in %d tries, want once in 3", typ, id, rcv.delivered[id], rcv.tries[id])
		}
		var body struct{ Type string }
		_ = json.Unmarshal([]byte(rcv.bodies[id]), &body)
		if body.Type != typ {
			t.Errorf("%s: body type %q", id, body.Type)
		}
	}
	if len(rcv.delivered) != len(want) {
		t.Errorf("delivered %d ids, want %d", len(rcv.delivered), len(want))
	}
}

// streamTable gives the dev server a table with its stream.
func streamTable(t *testing.T) func(*devserver.Options) {
	return func(o *devserver.Options) { o.Table = dynamotest.NewStreamTable(t, dynamotest.Client(t)) }
}

func waitFor(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("not done after %s", d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// streamOf is the table's stream ARN on DynamoDB Local.
func streamOf(t *testing.T, x *tally) string {
	out, err := dynamotest.Client(t).DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(x.srv.Deps.Config.Table)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Table.LatestStreamArn)
}

// drain receives every message of a queue: webhook-id -> bodies.
func drain(t *testing.T, q notify.SQS, url string) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	for empty := 0; empty < 2; {
		out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			empty++
			continue
		}
		for _, m := range out.Messages {
			var d notify.Delivery
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &d); err != nil {
				t.Fatal(err)
			}
			got[d.ID] = append(got[d.ID], d.Body)
			_, _ = q.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
		}
	}
	return got
}

// A consumer killed in the middle of a batch loses nothing, and the
// records it is given again queue nothing twice: each delivery queued is
// marked (were one queued again, after a crash between the send and its
// mark, it would carry the same id and body, which a receiver
// deduplicates).
func TestStreamConsumerKilledMidBatch(t *testing.T) {
	q := sqslocal.New(t)
	x := startOpts(t, dynamotest.DynamoDBLocal, withEndpoint("https://crm.example.com/tally"), streamTable(t))
	var orders []string
	for i := range 30 {
		id := fmt.Sprintf("k-%02d", i)
		orders = append(orders, id)
		x.webhook("/webhooks/orders", order(id, x.at()))
	}
	want := expectedIDs(t, x.srv.Store, orders, "jane")
	url := q.NewQueue(t, "main", 30)
	queuer := &notify.Queuer{Store: x.srv.Store, Rules: x.srv.Deps.Rules, SQS: q, QueueURL: url, Log: x.srv.Deps.Log, Now: time.Now}
	cp := &eventsource.Checkpoint{}

	// First run: killed in the middle of a batch, after queueing 20
	// events of it and before the batch is done.
	ctx, kill := context.WithCancel(context.Background())
	p := &eventsource.StreamPoller{Client: app.LocalStreams(x.srv.Endpoint), StreamARN: streamOf(t, x), Checkpoint: cp, BatchSize: 50}
	queued := 0
	killed := map[string]bool{} // the records of the killed batch that were queued
	_ = p.Run(ctx, eventsource.Changes(func(ctx context.Context, rs []store.Change) (string, error) {
		done := map[string]bool{}
		for i, r := range rs {
			if queued >= 20 && i > 0 {
				kill() // the process dies here: nothing tells the stream this batch is done
				killed = done
				return rs[0].Sequence, context.Canceled
			}
			if _, err := queuer.Handle(ctx, rs[i:i+1]); err != nil {
				t.Fatal(err)
			}
			evs, _ := notify.FromChange(r)
			queued += len(evs)
			if len(evs) > 0 {
				done[r.Sequence] = true
			}
		}
		return "", nil
	}))
	partial := drainKeep(t, q, url)
	if len(partial) == 0 {
		t.Fatal("the killed consumer queued nothing: the test would prove nothing")
	}

	// Second run: a new consumer from the same checkpoint, to the end.
	again := 0
	runUntilQuiet(t, x, cp, func(ctx context.Context, rs []store.Change) (string, error) {
		for _, r := range rs {
			if killed[r.Sequence] {
				again++
			}
		}
		return queuer.Handle(ctx, rs)
	})
	if again == 0 {
		t.Fatal("the new consumer was given none of the records the killed one queued: the test would prove nothing")
	}
	got := drain(t, q, url)
	dups := 0
	for id, bodies := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("unexpected id %s", id)
		}
		for _, b := range bodies[1:] {
			if b != bodies[0] {
				t.Errorf("%s queued with two bodies", id)
			}
		}
		dups += len(bodies) - 1
	}
	for id, typ := range want {
		if len(got[id]) == 0 {
			t.Errorf("lost %s %s", typ, id)
		}
	}
	t.Logf("%d events; %d records given again after the kill, %d deliveries queued twice", len(want), again, dups)
	if dups != 0 {
		t.Errorf("%d deliveries queued twice after the kill", dups)
	}
}

// drainKeep counts what is queued without consuming it.
func drainKeep(t *testing.T, q notify.SQS, url string) map[string]int {
	t.Helper()
	out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, m := range out.Messages {
		var d notify.Delivery
		_ = json.Unmarshal([]byte(aws.ToString(m.Body)), &d)
		got[d.ID]++
		_, _ = q.ChangeMessageVisibility(context.Background(), &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0})
	}
	return got
}

// runUntilQuiet runs a stream consumer from a checkpoint until the stream
// has had nothing new for about a second; it returns the records handled.
func runUntilQuiet(t *testing.T, x *tally, cp *eventsource.Checkpoint, h notify.StreamHandler) int {
	t.Helper()
	var n, busy atomic.Int64 // busy: a batch is being handled, which is not quiet however long it takes
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &eventsource.StreamPoller{Client: app.LocalStreams(x.srv.Endpoint), StreamARN: streamOf(t, x), Checkpoint: cp, BatchSize: 100, Idle: 50 * time.Millisecond}
	go func() {
		quiet := 0
		for last := int64(-1); ctx.Err() == nil && quiet < 4; time.Sleep(300 * time.Millisecond) {
			if n.Load() == last && busy.Load() == 0 {
				quiet++
			} else {
				quiet = 0
			}
			last = n.Load()
		}
		cancel()
	}()
	_ = p.Run(ctx, eventsource.Changes(func(ctx context.Context, rs []store.Change) (string, error) {
		busy.Add(1)
		defer busy.Add(-1)
		failed, err := h(ctx, rs)
		if err == nil {
			n.Add(int64(len(rs)))
		}
		return failed, err
	}))
	return int(n.Load())
}

// signedPost posts a webhook body signed with the reference library.
func signedPost(tb testing.TB, client *http.Client, now time.Time, base, secret, path, body string) (int, time.Duration) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	id := fmt.Sprintf("msg_%d", start.UnixNano())
	sig, _ := wh.Sign(id, now, []byte(body))
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", fmt.Sprint(now.Unix()))
	req.Header.Set("webhook-signature", sig)
	resp, err := client.Do(req)
	if err != nil {
		tb.Error(err)
		return 0, 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(start)
}

// 1,000 orders at once give exactly one commission.created id per ledger
// entry (and one order.recorded per order); the stream's size per order is
// logged as the figure docs/notify.md gives.
func TestThousandOrdersOneCommissionIDPerEntry(t *testing.T) {
	q := sqslocal.New(t)
	x := startOpts(t, dynamotest.DynamoDBLocal, withEndpoint("https://crm.example.com/tally"), streamTable(t))
	const n, workers = 1000, 16
	ids := make(chan string)
	var wg sync.WaitGroup
	var orders []string
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				// A sender tries again after a 5xx, as every webhook sender
				// does: DynamoDB Local on a loaded machine times out on
				// its own locks, which DynamoDB does not.
				st := 0
				for try := 0; try < 5 && (try == 0 || st >= 500 || st == 0); try++ {
					if try > 0 {
						time.Sleep(time.Duration(try) * time.Second)
					}
					st, _ = signedPost(t, http.DefaultClient, x.clock(), x.ts.URL, x.srv.WebhookSecret, "/webhooks/orders", order(id, x.at()))
				}
				if st != 200 {
					t.Errorf("order %s: %d", id, st)
				}
			}
		}()
	}
	for i := range n {
		id := fmt.Sprintf("m-%04d", i)
		orders = append(orders, id)
		ids <- id
	}
	close(ids)
	wg.Wait()
	want := expectedIDs(t, x.srv.Store, orders, "jane")
	url := q.NewQueue(t, "main", 30)
	queuer := &notify.Queuer{Store: x.srv.Store, Rules: x.srv.Deps.Rules, SQS: q, QueueURL: url, Log: x.srv.Deps.Log, Now: time.Now}
	var records, entryRecords, marks atomic.Int64
	runUntilQuiet(t, x, &eventsource.Checkpoint{}, func(ctx context.Context, rs []store.Change) (string, error) {
		for _, r := range rs {
			if strings.HasPrefix(r.Key.PK, "NOTIFIED#") {
				marks.Add(1) // the consumer's own marks, which template.yaml's filter keeps from it
				continue
			}
			records.Add(1)
			if evs, _ := notify.FromChange(r); len(evs) > 0 {
				entryRecords.Add(1)
			}
		}
		return queuer.Handle(ctx, rs)
	})
	got := drain(t, q, url)
	commissions := 0
	for id, typ := range want {
		if len(got[id]) == 0 {
			t.Errorf("no %s %s", typ, id)
		}
		if typ == notify.CommissionCreated {
			commissions++
		}
	}
	created := 0
	for id, bodies := range got {
		var b struct{ Type string }
		_ = json.Unmarshal([]byte(bodies[0]), &b)
		if b.Type == notify.CommissionCreated {
			created++
		}
		if _, ok := want[id]; !ok {
			t.Errorf("id %s (%s) is not one of the table's items", id, b.Type)
		}
	}
	if commissions != 2*n || created != commissions {
		t.Errorf("%d commission.created ids for %d entries (want %d)", created, commissions, 2*n)
	}
	t.Logf("stream: %d records for %d orders (%.2f per order, %.2f that give events); %d events queued for one endpoint, %d delivery marks",
		records.Load(), n, float64(records.Load())/n, float64(entryRecords.Load())/n, len(got), marks.Load())
}

// An order webhook answers as fast with a slow or failing endpoint as with
// none: the endpoint is only reached from the stream, by other goroutines
// (other Lambdas on AWS). Run: ./infra/scripts/test.sh -run '^$' -bench OrderWebhookBeside
func BenchmarkOrderWebhookBeside(b *testing.B) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer slow.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer failing.Close()
	for _, c := range []struct {
		name     string
		endpoint string
	}{{"no-endpoint", ""}, {"slow-endpoint", slow.URL}, {"failing-endpoint", failing.URL}} {
		b.Run(c.name, func(b *testing.B) {
			src := demo.YAML
			if c.endpoint != "" {
				src = withEndpoint(c.endpoint)
			}
			srv, err := devserver.New(context.Background(), devserver.Options{
				DynamoDBEndpoint: dynamotest.Endpoint(b), Table: dynamotest.NewStreamTable(b, dynamotest.Client(b)),
				ProgramYAML: src, Notify: c.endpoint != "", Mail: io.Discard,
				Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
			})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			ts := httptest.NewServer(srv.Handler())
			defer ts.Close()
			b.ResetTimer()
			for i := range b.N {
				if st, _ := signedPost(b, http.DefaultClient, time.Now(), ts.URL, srv.WebhookSecret, "/webhooks/orders", order(fmt.Sprintf("b-%s-%d", c.name, i), time.Now().UTC().Format(time.RFC3339))); st != 200 {
					b.Fatalf("order answered %d", st)
				}
			}
		})
	}
}

// lines are the printed mails to an address.
func (m *mailbox) lines(to string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, l := range strings.Split(m.buf.String(), "\n") {
		if strings.HasPrefix(l, "mail to "+to+": ") {
			out = append(out, l)
		}
	}
	return out
}

// Each commission is mailed in plain words (the dev server prints it, on
// its embedded store's stream); an unsubscribe link cannot be made for
// another affiliate; an unsubscribed affiliate gets nothing more.
func TestAffiliateMailAndUnsubscribe(t *testing.T) {
	x := startOpts(t, dynamotest.DynamoDBLocal, nil, func(o *devserver.Options) {
		o.DynamoDBEndpoint, o.Table, o.Notify = "", "", true
	})
	x.webhook("/webhooks/orders", order("mail-1", x.at()))
	waitFor(t, 10*time.Second, func() bool { return len(x.mail.lines("jane@example.com")) == 2 })
	got := strings.Join(x.mail.lines("jane@example.com"), "\n")
	// Links are on the server's public base URL (the test server's address).
	for _, want := range []string{"mail to jane@example.com: New commission: $48.50 " + x.ts.URL + "/reports/ledger", "mail to jane@example.com: New commission: $100.00 " + x.ts.URL + "/reports/ledger"} {
		if !strings.Contains(got, want) {
			t.Errorf("mails:\n%s\nwant a line %q", got, want)
		}
	}
	u := notify.Unsubscribe{Key: []byte(x.srv.Deps.Config.MailLinkKey)}
	janeLink := u.Link(x.ts.URL, "jane")
	// jane's token does not unsubscribe bob, nor does a made-up one.
	for _, forged := range []string{strings.Replace(janeLink, "a=jane", "a=bob", 1), x.ts.URL + "/unsubscribe?a=bob&t=" + u.Token("bob")[:10]} {
		resp, err := http.Post(forged, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Errorf("forged %s: %d, want 403", forged, resp.StatusCode)
		}
	}
	// RFC 8058 one-click: a POST of List-Unsubscribe=One-Click to the link.
	resp, err := http.Post(janeLink, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %d", resp.StatusCode)
	}
	x.webhook("/webhooks/orders", order("mail-2", x.at()))
	x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"mail-3","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"q@example.org"},"affiliate":"bob","items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700}]}`, x.at()))
	// bob, still subscribed, hears of his; by then jane's would have come.
	waitFor(t, 10*time.Second, func() bool { return len(x.mail.lines("bob@example.com")) == 1 })
	time.Sleep(500 * time.Millisecond)
	if n := len(x.mail.lines("jane@example.com")); n != 2 {
		t.Errorf("jane got %d mails after unsubscribing, want none more:\n%s", n-2, strings.Join(x.mail.lines("jane@example.com"), "\n"))
	}

	// Back on from the portal: a small form, refused from another site or
	// without the session's token.
	jane := signIn(t, x, "jane@example.com")
	get, _ := http.NewRequest("GET", x.ts.URL+"/reports/mail", nil)
	get.Header.Set("Accept", "text/html")
	resp, err = jane.Do(get)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if resp.StatusCode != 200 || m == nil || !strings.Contains(string(page), "Mail is <strong>off</strong>") {
		t.Fatalf("mail page: %d\n%s", resp.StatusCode, page)
	}
	post := func(origin, token string) (int, string) {
		req, _ := http.NewRequest("POST", x.ts.URL+"/reports/mail", strings.NewReader(url.Values{"csrf": {token}, "mail": {"on"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "text/html")
		req.Header.Set("Origin", origin)
		resp, err := jane.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, _ := post("https://evil.example", string(m[1])); st != 403 {
		t.Errorf("cross-site POST: %d, want 403", st)
	}
	if st, _ := post(x.ts.URL, "forged"); st != 403 {
		t.Errorf("POST without the form token: %d, want 403", st)
	}
	if st, body := post(x.ts.URL, string(m[1])); st != 200 || !strings.Contains(body, "Mail is <strong>on</strong>") {
		t.Fatalf("turning mail back on: %d\n%s", st, body)
	}
	before := len(x.mail.lines("jane@example.com"))
	x.webhook("/webhooks/orders", order("mail-4", x.at()))
	waitFor(t, 10*time.Second, func() bool { return len(x.mail.lines("jane@example.com")) == before+2 })
}

// A delivery that fails past its 3 days lands in the dead-letter queue; the
// owner sees it (GET /admin/webhooks/failed) and sends it again (POST),
// and it arrives with the same id and body.
func TestDeadLetterQueueListAndSendAgain(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	rcv, ep := newReceiver(t, func(string, int) bool { return failing.Load() })
	q := sqslocal.New(t)
	mainURL, dlqURL := q.NewQueue(t, "main", 30), q.NewQueue(t, "dead", 30)
	x := startOpts(t, dynamotest.DynamoDBLocal, withEndpoint(ep.URL), func(o *devserver.Options) {
		o.SQS, o.QueueURL, o.DLQURL = q, mainURL, dlqURL
	})
	body := `{"type":"order.recorded","timestamp":"2026-11-17T12:00:00Z","data":{"order_id":"old"}}`
	d := notify.Delivery{ID: "msg_old", Type: "order.recorded", URL: ep.URL, Body: body, FirstTry: time.Now().Add(-notify.GiveUpAfter)}
	if err := notify.Enqueue(context.Background(), q, mainURL, d, 0); err != nil {
		t.Fatal(err)
	}
	sender := notify.NewSender(x.srv.Deps)
	send := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		p := &eventsource.QueuePoller{SQS: q, QueueURL: mainURL, Wait: time.Second}
		_ = p.Run(ctx, sender.HandleSQS)
	}
	send() // fails once, past 3 days: to the dead-letter queue
	var list struct{ Failed []notify.Failed }
	x.json("/admin/webhooks/failed", owner, &list)
	if len(list.Failed) != 1 || list.Failed[0].ID != "msg_old" || list.Failed[0].LastError != "endpoint answered 500" || list.Failed[0].Body != body {
		t.Fatalf("dead-letter queue: %+v", list.Failed)
	}
	x.json("/admin/webhooks/failed", owner, &list) // listing leaves it there
	if len(list.Failed) != 1 {
		t.Fatalf("listed twice: %+v", list.Failed)
	}
	if code, _ := x.call("GET", "/admin/webhooks/failed", "dev-jane-key", "", ""); code != 403 {
		t.Errorf("an affiliate's key: %d, want 403", code)
	}
	failing.Store(false) // the owner fixes the endpoint
	var resent struct{ Resent []string }
	x.ok(200, "POST", "/admin/webhooks/failed", owner, "", `{"ids": ["msg_old"]}`, &resent)
	if fmt.Sprint(resent.Resent) != "[msg_old]" {
		t.Fatalf("resent %v", resent.Resent)
	}
	send()
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if rcv.delivered["msg_old"] != 1 || rcv.bodies["msg_old"] != body {
		t.Errorf("after sending again: delivered %d, body %s", rcv.delivered["msg_old"], rcv.bodies["msg_old"])
	}
	x.json("/admin/webhooks/failed", owner, &list)
	if len(list.Failed) != 0 {
		t.Errorf("still in the dead-letter queue: %+v", list.Failed)
	}
}
