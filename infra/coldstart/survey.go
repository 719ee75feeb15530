package coldstart

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/eventfile"
	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/adapters/mail"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/background/notify"
	"github.com/tallyhq/tally/shared/lambdas"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Result is one function's cold start and first invocation.
type Result struct {
	Function lambdas.Function
	// Answer is the route's status, the authorizer's decision, or a
	// background function's batch item failures.
	Answer string
	Calls  []Call
	Cost   dynamometer.Counts
	// VariantCalls are the calls of a GET route's sample asked for other
	// ways (variants), each on a cold start of its own: as a signed-in
	// browser's page, and without its query (nil for other functions).
	VariantCalls []Call
}

// The secrets every function of a survey is given.
var (
	webhookKey  = []byte("coldstart-webhook-secret-0123456789abcd")
	secrets     = eventfile.Secrets{Webhook: webhookKey, Stripe: "whsec_coldstart_0123456789", Shopify: "shpss_coldstart_0123456789"}
	webhookEnv  = "whsec_" + base64.StdEncoding.EncodeToString(webhookKey)
	clickKey    = "coldstart-click-key-0123456789abcdef0123"
	sessionKey  = "coldstart-session-key-0123456789abcdef01"
	mailLinkKey = "coldstart-mail-link-key-0123456789abcdef"
)

// Hooks are the endpoints the program sends webhooks to, so the stream
// and the sender have one: the stream's is never dialled (it only queues);
// the sender's is a loopback address, which a deployed sender refuses.
var hooks = []string{"https://hooks.invalid/tally", "https://127.0.0.1:9/tally-hook"}

// Run makes a fresh table on DynamoDB Local holding the demo program (with
// two webhook endpoints), its activity (demo.Play: clicks, opt-ins, orders,
// refunds, payouts) and crowd-0000, then crowd more affiliates
// (dynamotest.ImportCrowd), and runs every function of lambdas.All once,
// each on new Deps (a cold start), with its sample event. Functions run one
// after another in lambdas.All's order, so what one writes the next ones
// find, the same at every size.
func Run(t testing.TB, crowd int) []Result {
	t.Helper()
	ctx := context.Background()
	stripeMock := os.Getenv("TALLY_TEST_STRIPE_MOCK")
	if stripeMock == "" {
		t.Fatal("TALLY_TEST_STRIPE_MOCK is not set: run the tests with `make test`, which starts stripe-mock")
	}
	raw, err := sam.LoadRepoRaw()
	if err != nil {
		t.Fatal(err)
	}
	hashKeys, err := HashKeys(raw)
	if err != nil {
		t.Fatal(err)
	}
	base := dynamotest.Client(t)
	table := dynamotest.NewTable(t, base)
	// The functions' logs are dropped but errors: a failure says which
	// function and how, and the table of figures is the output. Errors go
	// to stderr, so a cold start that stops for a missing setting (an
	// os.Exit, no test output) still says which.
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	srv, err := devserver.New(ctx, devserver.Options{
		DynamoDBEndpoint: dynamotest.Endpoint(t), Table: table, WebhookSecrets: webhookEnv, ClickKey: clickKey, SessionKey: sessionKey,
		StripeWebhookSecrets: secrets.Stripe, StripeAPIKey: "sk_test_123", StripeAPIURL: stripeMock, ShopifySecrets: secrets.Shopify,
		Log: logger, Mail: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	seed(t, srv, crowd)

	rec := &Recorder{HashKeys: hashKeys}
	var meter dynamometer.Meter
	db := dynamodb.New(base.Options(), meter.Option(), rec.Option())
	cfg := app.Config{
		Table: table, ClickKey: clickKey, WebhookSecrets: webhookEnv, SessionKey: sessionKey,
		MailFrom: "reports@example.com", PublicBaseURL: "https://tally.example.com", ProgramTTL: 30 * time.Second,
		StripeWebhookSecrets: secrets.Stripe, StripeAPIKey: "sk_test_123", StripeAPIURL: stripeMock, ShopifySecrets: secrets.Shopify,
		WebhookQueueURL: "https://sqs.invalid/000000000000/webhooks", WebhookDLQURL: "https://sqs.invalid/000000000000/webhooks-dead",
		ImportQueueURL: "https://sqs.invalid/000000000000/imports", PayoutQueueURL: "https://sqs.invalid/000000000000/payouts", OutgoingSecret: webhookEnv, MailLinkKey: mailLinkKey,
	}
	// cold is what a function builds at its cold start, with mail and
	// queues that accept everything.
	cold := func() *app.Deps {
		d := app.New(cfg, db, logger)
		d.Mail = &mail.Printer{W: io.Discard}
		d.SQS = acceptAll{}
		return d
	}
	var out []Result
	for _, f := range lambdas.All {
		path, err := sam.RepoFile("events/" + f.Dir + ".json")
		if err != nil {
			t.Fatal(err)
		}
		sample, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		event, err := eventfile.Prepare(f.Dir, sample, srv.Store, secrets, time.Now())
		if err != nil {
			t.Fatalf("%s: %v", f.ID, err)
		}
		rec.Take()
		before := meter.Snapshot()
		answer, err := invoke(ctx, f, cold(), event)
		if err != nil {
			t.Fatalf("%s (events/%s.json): %v", f.ID, f.Dir, err)
		}
		r := Result{Function: f, Answer: answer, Calls: rec.Take(), Cost: meter.Since(before)}
		vs, err := variants(f, event)
		if err != nil {
			t.Fatalf("%s: %v", f.ID, err)
		}
		for _, v := range vs {
			if _, err := invoke(ctx, f, cold(), v.event); err != nil {
				t.Fatalf("%s (events/%s.json %s): %v", f.ID, f.Dir, v.name, err)
			}
			r.VariantCalls = append(r.VariantCalls, rec.Take()...)
		}
		out = append(out, r)
	}
	return out
}

// seed plays the demo's activity, adds the webhook endpoints and the crowd,
// and folds it all into the owner's summaries, through the dev server (its
// own client: none of it is metered).
func seed(t testing.TB, srv *devserver.Server, crowd int) {
	t.Helper()
	ctx := context.Background()
	p, err := program.Parse(demo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	for _, url := range hooks {
		p.WebhooksOut = append(p.WebhooksOut, program.WebhookOut{URL: url, Events: []string{"commission.created"}})
	}
	if _, err := srv.Store.SaveProgram(ctx, p, time.Now()); err != nil {
		t.Fatal(err)
	}
	srv.Deps.ProgramChanged()
	loaded, _, err := srv.Store.LoadProgram(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jane, ok := loaded.LinkFor("summit-2026", "jane")
	if !ok {
		t.Fatal("the demo program has no link of jane's to summit-2026")
	}
	if err := demo.Play(srv.Handler(), srv.WebhookSecret, time.Now(), jane.Code); err != nil {
		t.Fatal(err)
	}
	dynamotest.ImportCrowd(t, srv.Store, 0, 1)
	if crowd > 0 {
		dynamotest.ImportCrowd(t, srv.Store, 1, crowd)
	}
	// The owner's pages fold what was written into the summaries first.
	req := httptest.NewRequest("GET", "/admin", nil)
	req.Header.Set("Authorization", "Bearer "+demo.Keys["Accounts"])
	req.Header.Set("Accept", "application/json")
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, req)
	if w.Code != 200 {
		t.Fatalf("GET /admin: %d %s", w.Code, w.Body)
	}
}

// variant is a sample asked for another way.
type variant struct {
	name  string
	event []byte
}

// variants are a GET route's sample as a signed-in browser sends it (HTML,
// no Authorization header: the authorizer's context, which the sample
// carries, is what a session gets too) and, when it has a query, without
// it (the route's defaults), each as a key's JSON and as a page.
func variants(f lambdas.Function, event []byte) ([]variant, error) {
	if f.Trigger() != lambdas.Route {
		return nil, nil
	}
	req, err := decode[apigw.Request](event)
	if err != nil || req.RequestContext.HTTP.Method != "GET" || req.RequestContext.Authorizer == nil {
		return nil, err
	}
	asPage := func(r apigw.Request) apigw.Request {
		headers := map[string]string{}
		for k, v := range r.Headers {
			if k != "authorization" {
				headers[k] = v
			}
		}
		headers["accept"] = "text/html,application/xhtml+xml"
		r.Headers = headers
		return r
	}
	bare := req
	bare.RawQueryString, bare.QueryStringParameters = "", nil
	names, reqs := []string{"as a page"}, []apigw.Request{asPage(req)}
	if req.RawQueryString != "" {
		names = append(names, "without its query", "as a page without its query")
		reqs = append(reqs, bare, asPage(bare))
	}
	var out []variant
	for i, r := range reqs {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		out = append(out, variant{names[i], b})
	}
	return out, nil
}

// invoke builds f's handler on d (its cold start) and runs it once on
// event, decoded as Lambda decodes it for f's trigger. A handler's error
// (a 500 on API Gateway, a failed batch on a stream or queue) is an error.
func invoke(ctx context.Context, f lambdas.Function, d *app.Deps, event []byte) (string, error) {
	switch f.Trigger() {
	case lambdas.Route:
		req, err := decode[apigw.Request](event)
		if err != nil {
			return "", err
		}
		resp, err := f.Route(d)(ctx, req)
		if err != nil {
			return "", err
		}
		if resp.StatusCode >= 500 {
			return "", fmt.Errorf("status %d: %.300s", resp.StatusCode, resp.Body)
		}
		return strconv.Itoa(resp.StatusCode), nil
	case lambdas.Authorizer:
		req, err := decode[events.APIGatewayV2CustomAuthorizerV2Request](event)
		if err != nil {
			return "", err
		}
		res, err := f.Authorizer(d)(ctx, req)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s %s", res.Context["auth"], res.Context["subject"]), nil
	case lambdas.Stream:
		ev, err := decode[events.DynamoDBEvent](event)
		if err != nil {
			return "", err
		}
		res, err := f.Stream(d)(ctx, ev)
		return batch(len(res.BatchItemFailures), err)
	case lambdas.Queue:
		ev, err := decode[events.SQSEvent](event)
		if err != nil {
			return "", err
		}
		res, err := f.Queue(d)(ctx, ev)
		return batch(len(res.BatchItemFailures), err)
	case lambdas.Schedule:
		in, err := decode[notify.DigestInput](event)
		if err != nil {
			return "", err
		}
		return batch(0, f.Schedule(d)(ctx, in))
	}
	return "", fmt.Errorf("%s: trigger %q", f.ID, f.Trigger())
}

func batch(failures int, err error) (string, error) {
	if err != nil {
		return "", err
	}
	if failures > 0 {
		return "", fmt.Errorf("%d batch item failures", failures)
	}
	return "ok", nil
}

func decode[T any](b []byte) (T, error) {
	var v T
	err := json.NewDecoder(bytes.NewReader(b)).Decode(&v)
	return v, err
}

// acceptAll is SQS that takes every message and holds none.
type acceptAll struct{}

func (acceptAll) SendMessage(context.Context, *sqs.SendMessageInput, ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	return &sqs.SendMessageOutput{MessageId: aws.String("coldstart-message")}, nil
}

func (acceptAll) ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	return &sqs.ReceiveMessageOutput{}, nil
}

func (acceptAll) DeleteMessage(context.Context, *sqs.DeleteMessageInput, ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	return &sqs.DeleteMessageOutput{}, nil
}

func (acceptAll) ChangeMessageVisibility(context.Context, *sqs.ChangeMessageVisibilityInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}
