package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/web"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tallyhq/tally/shared/adapters/queue"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
)

// StreamFunction is a stream consumer as Lambda runs it, reporting the
// first record not done so the rest of the batch is retried (with bisecting
// and an on-failure destination configured in template.yaml).
type StreamFunction func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// Lambda adapts a StreamHandler to Lambda's DynamoDB event.
func Lambda(h StreamHandler) StreamFunction {
	return func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		var resp events.DynamoDBEventResponse
		rs := make([]store.Change, 0, len(ev.Records))
		for _, r := range ev.Records {
			rec, err := store.ChangeFromLambda(r)
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
	return &Queuer{Store: d.Store, Rules: d.Rules, SQS: d.AWSSQS(), QueueURL: d.WebhookQueueURL(), Log: d.Log, Now: time.Now}
}

// NewSender builds the webhook sender from Deps.
func NewSender(d *app.Deps) *Sender {
	queue, dlq := d.WebhookQueueURLs()
	return &Sender{Rules: d.Rules, Secret: d.Config.OutgoingSecret, Local: d.Config.Local, HTTP: d.WebhookHTTP, SQS: d.AWSSQS(),
		QueueURL: queue, DLQURL: dlq, Delays: d.RetryDelays, Log: d.Log, Now: time.Now}
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

// ownerSite is the edge of the owner's webhook pages: a page for a
// browser's GET or its form's POST, else JSON.
func ownerSite(d *app.Deps) web.Site {
	return web.Site{Programs: d.Rules, Log: d.Log, Formats: web.PageOrJSON}
}

// failedPage is the owner's page of the dead-letter queue.
func failedPage(r *web.Request, failed []Failed, resent []string) (apigw.Response, error) {
	return web.Render(r.HTTP(), http.StatusOK, "admin-webhooks", portal.Page{Title: "Failed webhooks", Who: r.Who, Nav: "webhooks", Owner: true,
		Zone: r.Program.Location().String(), CSRF: r.Token, Body: struct {
			Failed []Failed
			Resent string
		}{failed, strings.Join(resent, ", ")}})
}

// listFailed reads the dead-letter queue, oldest first.
func listFailed(ctx context.Context, q SQS, dlq string) ([]Failed, error) {
	out := []Failed{}
	err := sweepDLQ(ctx, q, dlq, func(dv Delivery) bool {
		out = append(out, Failed{dv.ID, dv.Type, dv.URL, dv.FirstTry, dv.Tries, dv.LastError, dv.Body})
		return false
	})
	slices.SortFunc(out, func(a, b Failed) int { return a.FirstTry.Compare(b.FirstTry) })
	return out, err
}

// FailedList serves GET /admin/webhooks/failed: what was given up on.
func FailedList(d *app.Deps) apigw.Handler {
	q, dlq := d.AWSSQS(), d.Config.WebhookDLQURL
	return ownerSite(d).Owner(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		out, err := listFailed(ctx, q, dlq)
		if err != nil {
			return apigw.Response{}, err
		}
		if r.Format == web.Page {
			return failedPage(r, out, nil)
		}
		return apigw.JSON(http.StatusOK, map[string]any{"failed": out}), nil
	})
}

// FailedResend serves POST /admin/webhooks/failed ({"ids": [...]}, or {}
// for all; from the page, its form): the deliveries go back on the queue,
// tried again from now on with the same webhook-id and body.
func FailedResend(d *app.Deps) apigw.Handler {
	q, dlq, main := d.AWSSQS(), d.Config.WebhookDLQURL, d.Config.WebhookQueueURL
	return ownerSite(d).Owner(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		var in struct {
			IDs []string `json:"ids"`
		}
		if r.Form != nil {
			in.IDs = r.Form["id"]
		} else if body, err := apigw.Body(r.HTTP()); err != nil {
			return apigw.Response{}, err
		} else if strings.TrimSpace(string(body)) != "" {
			dec := json.NewDecoder(strings.NewReader(string(body)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				return apigw.Response{}, fault.Fields(map[string]string{"ids": "a list of webhook ids (or no body: all)"})
			}
		}
		resent := []string{}
		err := sweepDLQ(ctx, q, dlq, func(dv Delivery) bool {
			if len(in.IDs) > 0 && !slices.Contains(in.IDs, dv.ID) {
				return false
			}
			dv.FirstTry, dv.LastError, dv.Tries = time.Now().UTC(), "", 0
			if err := Enqueue(ctx, q, main, dv, 0); err != nil {
				r.Log.Error("resend", "webhook_id", dv.ID, "err", err.Error())
				return false
			}
			resent = append(resent, dv.ID)
			return true
		})
		if err != nil {
			return apigw.Response{}, err
		}
		if r.Form != nil {
			left, err := listFailed(ctx, q, dlq)
			if err != nil {
				return apigw.Response{}, err
			}
			return failedPage(r, left, resent)
		}
		return apigw.JSON(http.StatusOK, map[string]any{"resent": resent}), nil
	})
}

// sweepDLQ receives every message of the dead-letter queue once (each kept
// invisible until the sweep ends), deletes those take returns true for, and
// makes the others visible again. SQS has no "list": this is how one is read.
func sweepDLQ(ctx context.Context, q SQS, url string, take func(Delivery) bool) error {
	var keep []string
	defer func() {
		for _, r := range keep {
			_ = queue.Hide(context.WithoutCancel(ctx), q, url, r, 0)
		}
	}()
	for n := 0; n < maxListed; {
		ms, err := queue.Receive(ctx, q, url, 10, time.Minute)
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			return nil
		}
		for _, m := range ms {
			n++
			var dv Delivery
			if json.Unmarshal([]byte(m.Body), &dv) != nil || !take(dv) {
				keep = append(keep, m.Receipt)
				continue
			}
			if err := queue.Delete(ctx, q, url, m.Receipt); err != nil {
				return err
			}
		}
	}
	return nil
}

// NewMailer builds the mail stream consumer from Deps.
func NewMailer(d *app.Deps) *Mailer {
	return &Mailer{Store: d.Store, Rules: d.Rules, Affiliates: d.Affiliates, Mail: d.Mailer(), Settings: d.Store, Unsub: unsubscriber(d), BaseURL: func() string { return d.Config.PublicBaseURL }, Log: d.Log}
}

func unsubscriber(d *app.Deps) Unsubscribe {
	return Unsubscribe{Key: d.MailLinkKey()}
}

// Stream is the function that mails affiliates and queues outgoing
// webhooks from the table's stream.
func Stream(d *app.Deps) StreamFunction {
	return Lambda(Notifier{Mail: NewMailer(d).Handle, Webhooks: NewQueuer(d).Handle}.Handle)
}

// unsubscribeLink serves a route of the signed unsubscribe link, which is
// the authority: it names one affiliate and cannot be made for another. A
// link that is not valid gets a page saying so.
func unsubscribeLink(d *app.Deps, f func(ctx context.Context, r *web.Request, affiliate, token string) (apigw.Response, error)) apigw.Handler {
	u := unsubscriber(d)
	return web.Site{Log: d.Log}.Public(func(ctx context.Context, r *web.Request) (apigw.Response, error) {
		a, t := r.QueryStringParameters["a"], r.QueryStringParameters["t"]
		if !u.Check(a, t) {
			return web.Bare(http.StatusForbidden, "This link is not valid."), nil
		}
		return f(ctx, r, a, t)
	})
}

// UnsubscribePage serves GET /unsubscribe: a button that confirms (mail
// scanners open links; only the POST turns mail off).
func UnsubscribePage(d *app.Deps) apigw.Handler {
	return unsubscribeLink(d, func(_ context.Context, _ *web.Request, a, t string) (apigw.Response, error) {
		return web.Bare(http.StatusOK, `<form method="post" action="/unsubscribe?`+html.EscapeString(url.Values{"a": {a}, "t": {t}}.Encode())+`"><p>Stop mail about your commissions and payouts?</p><button type="submit">Stop these mails</button></form><p>You can turn them back on from the portal.</p>`), nil
	})
}

// UnsubscribePost serves POST /unsubscribe: RFC 8058 one-click (the mail
// provider posts List-Unsubscribe=One-Click) and the page's button.
func UnsubscribePost(d *app.Deps) apigw.Handler {
	return unsubscribeLink(d, func(ctx context.Context, r *web.Request, a, _ string) (apigw.Response, error) {
		if err := d.Store.SetMailOff(ctx, a, true, d.Now()); err != nil {
			return apigw.Response{}, err
		}
		r.Log.Info("affiliate unsubscribed", "affiliate", a)
		return web.Bare(http.StatusOK, "<p>Done: no more mail about commissions and payouts. Turn it back on any time from the portal.</p>"), nil
	})
}

// DigestInput is what the schedule passes: nothing, or a date to send (again).
type DigestInput struct {
	Date string `json:"date,omitempty"`
}

// Yesterday is the program-zone date before now's.
func Yesterday(p *program.Program, now time.Time) string {
	return now.In(p.Location()).AddDate(0, 0, -1).Format(time.DateOnly)
}

// DigestFunction is the function the 08:00 schedule (program zone) runs:
// the digests of yesterday's entries.
func DigestFunction(d *app.Deps) func(ctx context.Context, in DigestInput) error {
	m := NewMailer(d)
	return func(ctx context.Context, in DigestInput) error {
		day := in.Date
		if day == "" {
			p, err := d.Rules.Get(ctx)
			if err != nil {
				return err
			}
			now := time.Now()
			if h := now.In(p.Location()).Hour(); h != 8 {
				d.Log.Warn("digest schedule is not at 08:00 in the program's zone: set ProgramTimeZone to the program's timezone", "hour", h, "timezone", p.Timezone)
			}
			day = Yesterday(p, now)
		}
		if _, err := time.Parse(time.DateOnly, day); err != nil {
			return fmt.Errorf("digest date %q: %w", day, err)
		}
		return m.Digest(ctx, day)
	}
}
