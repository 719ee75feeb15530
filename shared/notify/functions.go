package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tallyhq/tally/shared/apierr"
	"github.com/tallyhq/tally/shared/apigw"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/auth"
)

// StreamFunction is a stream consumer as Lambda runs it, reporting the
// first record not done so the rest of the batch is retried (with bisecting
// and an on-failure destination configured in template.yaml).
type StreamFunction func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// Lambda adapts a StreamHandler to Lambda's DynamoDB event.
func Lambda(h StreamHandler) StreamFunction {
	return func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		var resp events.DynamoDBEventResponse
		rs := make([]Record, 0, len(ev.Records))
		for _, r := range ev.Records {
			rec, err := FromLambda(r)
			if err != nil {
				return resp, err
			}
			rs = append(rs, rec)
		}
		failed, err := h(ctx, rs)
		if err != nil {
			resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: failed}}
		}
		return resp, nil
	}
}

// NewQueuer builds the webhook stream consumer from Deps.
func NewQueuer(d *app.Deps) *Queuer {
	if d.Config.WebhookQueueURL == "" {
		d.Fatal("TALLY_WEBHOOK_QUEUE_URL", fmt.Errorf("not set"))
	}
	return &Queuer{Store: d.Store, Programs: d.Programs, SQS: d.AWSSQS(), QueueURL: d.Config.WebhookQueueURL, Log: d.Log, Now: time.Now}
}

// WebhookStream is the function that queues outgoing webhooks from the
// table's stream.
func WebhookStream(d *app.Deps) StreamFunction { return Lambda(NewQueuer(d).Handle) }

// NewSender builds the webhook sender from Deps.
func NewSender(d *app.Deps) *Sender {
	if d.Config.WebhookQueueURL == "" || d.Config.WebhookDLQURL == "" {
		d.Fatal("TALLY_WEBHOOK_QUEUE_URL and TALLY_WEBHOOK_DLQ_URL", fmt.Errorf("not set"))
	}
	return &Sender{Programs: d.Programs, Secret: d.Config.OutgoingSecret, HTTP: d.HTTP, SQS: d.AWSSQS(),
		QueueURL: d.Config.WebhookQueueURL, DLQURL: d.Config.WebhookDLQURL, Delays: d.RetryDelays, Log: d.Log, Now: time.Now}
}

// WebhookSender is the function that delivers queued webhooks.
func WebhookSender(d *app.Deps) func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	return NewSender(d).HandleSQS
}

// Failed is one delivery in the dead-letter queue, as the owner sees it.
type Failed struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	URL       string    `json:"url"`
	FirstTry  time.Time `json:"first_try"`
	Tries     int       `json:"tries"`
	LastError string    `json:"last_error"`
	Body      string    `json:"body"`
}

// maxListed bounds one listing of the dead-letter queue.
const maxListed = 500

// FailedList serves GET /admin/webhooks/failed: what was given up on.
func FailedList(d *app.Deps) apigw.Handler {
	q, dlq := d.AWSSQS(), d.Config.WebhookDLQURL
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		log := apigw.Logger(ctx, d.Log, req)
		if _, aerr := auth.Owner(req); aerr != nil {
			return apigw.Error(log, aerr), nil
		}
		out := []Failed{}
		err := sweepDLQ(ctx, q, dlq, func(dv Delivery) bool {
			out = append(out, Failed{dv.ID, dv.Type, dv.URL, dv.FirstTry, dv.Tries, dv.LastError, dv.Body})
			return false
		})
		if err != nil {
			return apigw.Error(log, err), nil
		}
		slices.SortFunc(out, func(a, b Failed) int { return a.FirstTry.Compare(b.FirstTry) })
		return apigw.JSON(http.StatusOK, map[string]any{"failed": out}), nil
	}
}

// FailedResend serves POST /admin/webhooks/failed ({"ids": [...]}, or {}
// for all): the deliveries go back on the queue, tried again from now on
// with the same webhook-id and body.
func FailedResend(d *app.Deps) apigw.Handler {
	q, dlq, main := d.AWSSQS(), d.Config.WebhookDLQURL, d.Config.WebhookQueueURL
	return func(ctx context.Context, req apigw.Request) (apigw.Response, error) {
		log := apigw.Logger(ctx, d.Log, req)
		if _, aerr := auth.Owner(req); aerr != nil {
			return apigw.Error(log, aerr), nil
		}
		body, err := apigw.Body(req)
		if err != nil {
			return apigw.Error(log, err), nil
		}
		var in struct {
			IDs []string `json:"ids"`
		}
		if strings.TrimSpace(string(body)) != "" {
			dec := json.NewDecoder(strings.NewReader(string(body)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				return apigw.Error(log, apierr.Invalid(map[string]string{"ids": "a list of webhook ids (or no body: all)"})), nil
			}
		}
		resent := []string{}
		err = sweepDLQ(ctx, q, dlq, func(dv Delivery) bool {
			if len(in.IDs) > 0 && !slices.Contains(in.IDs, dv.ID) {
				return false
			}
			dv.FirstTry, dv.LastError, dv.Tries = time.Now().UTC(), "", 0
			if err := Enqueue(ctx, q, main, dv, 0); err != nil {
				log.Error("resend", "webhook_id", dv.ID, "err", err.Error())
				return false
			}
			resent = append(resent, dv.ID)
			return true
		})
		if err != nil {
			return apigw.Error(log, err), nil
		}
		return apigw.JSON(http.StatusOK, map[string]any{"resent": resent}), nil
	}
}

// sweepDLQ receives every message of the dead-letter queue once (each kept
// invisible until the sweep ends), deletes those take returns true for, and
// makes the others visible again. SQS has no "list": this is how one is read.
func sweepDLQ(ctx context.Context, q SQS, url string, take func(Delivery) bool) error {
	var keep []string
	defer func() {
		for _, r := range keep {
			_, _ = q.ChangeMessageVisibility(context.WithoutCancel(ctx), &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(r), VisibilityTimeout: 0})
		}
	}()
	for n := 0; n < maxListed; {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 60})
		if err != nil {
			return err
		}
		if len(out.Messages) == 0 {
			return nil
		}
		for _, m := range out.Messages {
			n++
			var dv Delivery
			if json.Unmarshal([]byte(aws.ToString(m.Body)), &dv) != nil || !take(dv) {
				keep = append(keep, aws.ToString(m.ReceiptHandle))
				continue
			}
			if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return err
			}
		}
	}
	return nil
}
