package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tallyhq/tally/shared/adapters/queue"
	"github.com/tallyhq/tally/shared/domain/egress"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/webhooksig"
)

// DeliveryTimeout is how long an endpoint has to answer 2xx.
const DeliveryTimeout = 10 * time.Second

// GiveUpAfter is how long a delivery is tried before it goes to the
// dead-letter queue.
const GiveUpAfter = 72 * time.Hour

// Delays are the waits after each failed try, growing to SQS's longest
// visibility timeout (12 h) and then repeating it until GiveUpAfter.
var Delays = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 12 * time.Hour}

// LocalDelays are the dev server's: the first four tries again within 5
// seconds each (SPEC section 12), then the same growth as on AWS.
var LocalDelays = append([]time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second}, Delays[3:]...)

// Sender delivers queued events to endpoints, signed the Standard Webhooks
// way, and moves what fails for GiveUpAfter to the dead-letter queue.
type Sender struct {
	// Rules hold the endpoints and their secrets (no affiliate is read).
	Rules *program.Cache
	// Secret signs for endpoints whose program entry has none (on AWS, a
	// secret parameter).
	Secret string
	// Local is the dev server on this machine: http to a loopback endpoint
	// is allowed and addresses are not checked. Deployed, neither.
	Local bool
	// HTTP sends the deliveries; nil is egress.Client. Whatever it is, it
	// follows no redirect.
	HTTP     *http.Client
	SQS      SQS
	QueueURL string
	DLQURL   string
	Delays   []time.Duration
	Log      *slog.Logger
	Now      func() time.Time

	once sync.Once
}

// HandleSQS delivers a batch of queued messages at once (each within
// DeliveryTimeout) and reports the ones to try again; each of those has
// already been made invisible for its next delay.
func (s *Sender) HandleSQS(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	p, err := s.Rules.Get(ctx)
	if err != nil {
		return resp, err // the whole batch comes back after its visibility timeout
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, m := range ev.Records {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !s.one(ctx, p, m) {
				mu.Lock()
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return resp, nil
}

// one tries a message once; false means it stays queued for another try.
func (s *Sender) one(ctx context.Context, p *program.Program, m events.SQSMessage) bool {
	var d Delivery
	if err := json.Unmarshal([]byte(m.Body), &d); err != nil {
		s.Log.Error("unreadable webhook delivery; dropped", "message", m.MessageId, "err", err.Error())
		return true
	}
	tries, _ := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
	tries = max(tries, 1)
	log := s.Log.With("webhook_id", d.ID, "type", d.Type, "endpoint", egress.Name(d.URL), "try", tries)
	w, ok := endpoint(p, d.URL)
	if !ok {
		log.Warn("endpoint no longer in the program; delivery dropped")
		return true
	}
	err := s.deliver(ctx, w, d)
	if err == nil {
		log.Info("webhook delivered")
		return true
	}
	if errors.Is(err, errNeverDeliverable) { // the same URL will not do better later
		d.LastError, d.Tries = err.Error(), tries
		if qerr := Enqueue(ctx, s.SQS, s.DLQURL, d, 0); qerr != nil {
			log.Error("could not move to the dead-letter queue", "err", qerr.Error())
			return false
		}
		log.Warn("webhook refused; in the dead-letter queue", "err", err.Error())
		return true
	}
	delays := s.Delays
	if delays == nil {
		delays = Delays
	}
	delay := delays[min(tries, len(delays))-1]
	if s.Now().Add(delay).Sub(d.FirstTry) > GiveUpAfter {
		d.LastError, d.Tries = err.Error(), tries
		if qerr := Enqueue(ctx, s.SQS, s.DLQURL, d, 0); qerr != nil {
			log.Error("could not move to the dead-letter queue", "err", qerr.Error())
			return false
		}
		log.Warn("webhook given up; in the dead-letter queue", "err", err.Error())
		return true
	}
	verr := queue.Hide(ctx, s.SQS, s.QueueURL, m.ReceiptHandle, delay)
	if verr != nil {
		log.Error("could not delay the next try", "err", verr.Error())
	}
	log.Warn("webhook failed; will try again", "err", err.Error(), "in", delay.String())
	return false
}

// endpoint is the program's endpoint of that URL, if it still has one.
func endpoint(p *program.Program, url string) (program.WebhookOut, bool) {
	for _, w := range p.WebhooksOut {
		if w.URL == url {
			return w, true
		}
	}
	return program.WebhookOut{}, false
}

// errNeverDeliverable marks a delivery that no later try can make (its URL
// is one Tally does not send to).
var errNeverDeliverable = errors.New("not deliverable")

// deliver POSTs the body, signed now, and wants a 2xx within the timeout;
// a redirect is a failure, never followed. Errors never hold the URL.
func (s *Sender) deliver(ctx context.Context, w program.WebhookOut, d Delivery) error {
	if err := egress.CheckURL(d.URL, s.Local); err != nil {
		return fmt.Errorf("%w: %v", errNeverDeliverable, err)
	}
	secret := s.Secret
	if w.Secret != "" {
		secret = w.Secret
	}
	keys, err := webhooksig.ParseSecrets(secret)
	if err != nil {
		return fmt.Errorf("no usable secret for this endpoint: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader([]byte(d.Body)))
	if err != nil {
		return fmt.Errorf("%w: %v", errNeverDeliverable, egress.Cause(err))
	}
	now := s.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tally-Webhooks/1")
	req.Header.Set(webhooksig.HeaderID, d.ID)
	req.Header.Set(webhooksig.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(webhooksig.HeaderSignature, webhooksig.Sign(keys[0], d.ID, now, []byte(d.Body)))
	res, err := s.client().Do(req)
	if err != nil {
		return egress.Cause(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("endpoint answered %d", res.StatusCode)
	}
	return nil
}

// client is the sender's HTTP client, built once.
func (s *Sender) client() *http.Client {
	s.once.Do(func() {
		if s.HTTP == nil {
			s.HTTP = egress.Client(s.Local, DeliveryTimeout)
			return
		}
		c := *s.HTTP
		c.CheckRedirect = egress.NoRedirect
		s.HTTP = &c
	})
	return s.HTTP
}
