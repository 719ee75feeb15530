package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/domain/program"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// fixed is a program source that always has the same program.
type fixed struct{ p *program.Program }

func (f fixed) LoadProgram(context.Context) (*program.Program, string, error) { return f.p, "1", nil }
func (f fixed) ProgramVersion(context.Context) (string, error)                { return "1", nil }

// queues records what the sender does with SQS.
type queues struct {
	mu      sync.Mutex
	sent    map[string][]Delivery // by queue URL
	delayed int
}

func (q *queues) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	var d Delivery
	if err := json.Unmarshal([]byte(aws.ToString(in.MessageBody)), &d); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sent[aws.ToString(in.QueueUrl)] = append(q.sent[aws.ToString(in.QueueUrl)], d)
	return &sqs.SendMessageOutput{}, nil
}
func (q *queues) ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	return &sqs.ReceiveMessageOutput{}, nil
}
func (q *queues) DeleteMessage(context.Context, *sqs.DeleteMessageInput, ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	return &sqs.DeleteMessageOutput{}, nil
}
func (q *queues) ChangeMessageVisibility(context.Context, *sqs.ChangeMessageVisibilityInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.delayed++
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

// senderFor is a sender whose program lists the endpoints, logging into
// logs; local says whether it runs as the dev server.
func senderFor(t *testing.T, local bool, logs *bytes.Buffer, endpoints ...string) (*Sender, *queues) {
	t.Helper()
	src := string(demo.YAML) + "\nwebhooks_out:\n"
	for _, e := range endpoints {
		src += fmt.Sprintf("  - url: %s\n    secret: %s\n    events: [order.recorded]\n", e, testSecret)
	}
	p, err := program.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	q := &queues{sent: map[string][]Delivery{}}
	return &Sender{Rules: program.NewCache(fixed{p}, time.Hour), Local: local, SQS: q, QueueURL: "main", DLQURL: "dead",
		Log: slog.New(slog.NewJSONHandler(logs, nil)), Now: time.Now}, q
}

// send hands the sender one queued delivery to url; true when it is done
// with it (delivered, dropped or dead-lettered).
func send(t *testing.T, s *Sender, url string) bool {
	t.Helper()
	d := Delivery{ID: "msg_1", Type: "order.recorded", URL: url, Body: `{"type":"order.recorded"}`, FirstTry: time.Now()}
	b, _ := json.Marshal(d)
	resp, err := s.HandleSQS(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m1", Body: string(b), ReceiptHandle: "r1"}}})
	if err != nil {
		t.Fatal(err)
	}
	return len(resp.BatchItemFailures) == 0
}

// A 307 from the endpoint is a failed delivery: the signed body is not
// posted again to where it points (another server here).
func TestRedirectIsAFailedDeliveryNeverFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
	}))
	defer ep.Close()
	var logs bytes.Buffer
	s, q := senderFor(t, true, &logs, ep.URL+"/hook")
	if send(t, s, ep.URL+"/hook") {
		t.Error("a 307 counted as delivered")
	}
	if elsewhere.Load() != 0 {
		t.Errorf("the redirect was followed: %d requests elsewhere", elsewhere.Load())
	}
	if q.delayed != 1 || !strings.Contains(logs.String(), "endpoint answered 307") {
		t.Errorf("not retried as a failure (%d delays): %s", q.delayed, logs.String())
	}
}

// Deployed, an endpoint whose name resolves to a loopback or private
// address is never connected to, whatever its scheme; locally the same
// loopback endpoint is delivered to.
func TestPrivateAddressRefusedWhenDeployed(t *testing.T) {
	var hits atomic.Int32
	ep := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer ep.Close()
	// "localhost" goes through name resolution: the check is on the
	// address dialled, not on the URL's text.
	url := strings.Replace(ep.URL, "127.0.0.1", "localhost", 1) + "/hook"
	for u, why := range map[string]string{
		url:                         "is a loopback address",
		"https://10.255.255.1/hook": "10.255.255.1 is a private address",
		"http://127.0.0.1:1/hook":   "http is only for a loopback endpoint on the dev server",
	} {
		var logs bytes.Buffer
		s, _ := senderFor(t, false, &logs, u)
		send(t, s, u)
		if !strings.Contains(logs.String(), why) {
			t.Errorf("%s: not refused (%s): %s", u, why, logs.String())
		}
	}
	if hits.Load() != 0 {
		t.Errorf("a deployed sender reached a loopback endpoint %d times", hits.Load())
	}
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer local.Close()
	var logs bytes.Buffer
	s, _ := senderFor(t, true, &logs, local.URL+"/hook")
	if !send(t, s, local.URL+"/hook") || hits.Load() != 1 {
		t.Errorf("local loopback endpoint not delivered to: %s", logs.String())
	}
}

// A delivery queued for an endpoint the program no longer lists is
// dropped with a log line, not sent.
func TestRemovedEndpointIsNotSentTo(t *testing.T) {
	var hits atomic.Int32
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer ep.Close()
	var logs bytes.Buffer
	s, q := senderFor(t, true, &logs, ep.URL+"/still-here")
	if !send(t, s, ep.URL+"/removed") {
		t.Error("the delivery stays queued")
	}
	if hits.Load() != 0 || len(q.sent["dead"]) != 0 {
		t.Errorf("sent %d times, %d dead-lettered", hits.Load(), len(q.sent["dead"]))
	}
	if !strings.Contains(logs.String(), "endpoint no longer in the program") {
		t.Errorf("no log line: %s", logs.String())
	}
}

// Logs name an endpoint by scheme, host and a short hash: never its path
// or query, on success, failure or refusal.
func TestLogsNeverHoldTheEndpointURL(t *testing.T) {
	status := http.StatusNoContent
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	defer ep.Close()
	const path = "/services/T0001/B0002/s3cr3tp4th?token=t0k3n"
	var logs bytes.Buffer
	s, _ := senderFor(t, true, &logs, ep.URL+path)
	send(t, s, ep.URL+path) // delivered
	status = http.StatusInternalServerError
	send(t, s, ep.URL+path) // failed
	ep.Close()
	send(t, s, ep.URL+path) // cannot connect
	d, _ := senderFor(t, false, &logs, "http://localhost:1"+path)
	send(t, d, "http://localhost:1"+path) // refused: http when deployed
	out := logs.String()
	for _, secret := range []string{"s3cr3tp4th", "t0k3n", "/services"} {
		if strings.Contains(out, secret) {
			t.Errorf("logs hold %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, `"endpoint":"http://127.0.0.1:`) || strings.Count(out, "webhook delivered") != 1 {
		t.Errorf("logs do not name the endpoint: %s", out)
	}
}
