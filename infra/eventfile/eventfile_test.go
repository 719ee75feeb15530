package eventfile_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/webhooksig"
	"github.com/tallyhq/tally/shared/handlers/background/notify"
	"github.com/tallyhq/tally/shared/handlers/checkout/shopifyhook"
	"github.com/tallyhq/tally/shared/lambdas"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/auth"
	"github.com/tallyhq/tally/shared/web/portal"
)

// sam build's target per function: `build-<LogicalId>: ; $(call lambda,<folder>)`.
var buildTarget = regexp.MustCompile(`(?m)^build-(\w+): ; \$\(call lambda,([a-z0-9-]+)\)$`)

var webhookKey = []byte("sample-events-webhook-secret-0123456789")

// The checkouts' secrets the samples are signed with.
const (
	stripeSecret  = "whsec_sample_events_0123456789"
	shopifySecret = "shpss_sample_events_0123456789"
)

// Every function of template.yaml has events/<folder>.json, a payload 2.0
// event of its own route that decodes without unknown fields and agrees
// with itself; replayed through the function's handler on the embedded
// store, at the instant it says it arrived, it gets no server error.
func TestEveryFunctionHasItsSampleEvent(t *testing.T) {
	tpl, err := sam.LoadRepo()
	if err != nil {
		t.Fatal(err)
	}
	folders := map[string]string{}
	for _, m := range buildTarget.FindAllStringSubmatch(string(read(t, "Makefile")), -1) {
		folders[m[1]] = m[2]
	}
	routes := map[string][]sam.Route{}
	authorizers := map[string]string{} // function logical ID -> authorizer name
	for _, r := range tpl.Routes() {
		routes[r.Function] = append(routes[r.Function], r)
		if r.Authorizer != "" {
			id, err := tpl.AuthorizerFunction(r.Authorizer)
			if err != nil {
				t.Fatal(err)
			}
			authorizers[id] = r.Authorizer
		}
	}

	clock := time.Now()
	stripeMock := os.Getenv("TALLY_TEST_STRIPE_MOCK")
	if stripeMock == "" {
		t.Fatal("TALLY_TEST_STRIPE_MOCK is not set: run the tests with `make test`, which starts stripe-mock")
	}
	srv, err := devserver.New(context.Background(), devserver.Options{
		StripeWebhookSecrets: stripeSecret, StripeAPIKey: "sk_test_123", StripeAPIURL: stripeMock, ShopifySecrets: shopifySecret,
		WebhookSecrets: "whsec_" + base64.StdEncoding.EncodeToString(webhookKey),
		Now:            func() time.Time { return clock },
		Log:            slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Mail:           io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	authorizer, _ := lambdas.Find("AuthorizerFunction")
	az := authorizer.Authorizer(srv.Deps)

	samples := map[string]bool{}
	for _, id := range tpl.Functions() {
		folder, ok := folders[id]
		if f, found := lambdas.Find(id); found && f.Route == nil && f.Authorizer == nil && ok {
			// Fed by a stream, queue or schedule: the sample is the event
			// Lambda passes it.
			samples[folder+".json"] = true
			t.Run(folder, func(t *testing.T) {
				checkBackgroundSample(t, f, srv.Deps, read(t, filepath.Join("events", folder+".json")))
			})
			continue
		}
		if !ok {
			t.Errorf("%s: no `build-%s: ; $(call lambda,<folder>)` in the Makefile", id, id)
			continue
		}
		samples[folder+".json"] = true
		t.Run(folder, func(t *testing.T) {
			raw := read(t, filepath.Join("events", folder+".json"))
			if name, ok := authorizers[id]; ok {
				checkAuthorizerSample(t, tpl, name, raw, az)
				return
			}
			fn, ok := lambdas.Find(id)
			if !ok || fn.Dir != folder {
				t.Fatalf("%s: lambdas.All has %+v, the Makefile builds functions/%s", id, fn, folder)
			}
			req := decode[apigw.Request](t, raw)
			route := checkRequest(t, req, routes[id])
			clock = time.UnixMilli(req.RequestContext.TimeEpoch)
			if route.Authorizer == "" {
				if req.RequestContext.Authorizer != nil {
					t.Errorf("%s has no authorizer, but the sample carries requestContext.authorizer", route.Path)
				}
			} else {
				// The context must be what the authorizer decides for
				// this request's own key or cookie.
				res, err := az(context.Background(), authorizerEvent(req))
				if err != nil || !res.IsAuthorized {
					t.Fatalf("authorizer: %+v %v", res, err)
				}
				if req.RequestContext.Authorizer == nil || !reflect.DeepEqual(req.RequestContext.Authorizer.Lambda, res.Context) {
					t.Errorf("requestContext.authorizer.lambda = %v, the authorizer passes %v", req.RequestContext.Authorizer, res.Context)
				}
			}
			switch folder {
			case "webhook-stripe":
				// Stripe's tolerance is against the real clock.
				body, _ := apigw.Body(req)
				req.Headers["stripe-signature"] = webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: stripeSecret}).Header
			case "webhook-shopify":
				body, _ := apigw.Body(req)
				req.Headers["x-shopify-hmac-sha256"] = shopifyhook.Sign([]byte(shopifySecret), body)
			case "webhook-optins", "webhook-orders":
				sign(t, &req)
			}
			resp, err := fn.Route(srv.Deps)(context.Background(), req)
			if err != nil {
				t.Fatalf("handler error (a 500 on API Gateway): %v", err)
			}
			t.Logf("%s -> %d", req.RouteKey, resp.StatusCode)
			if resp.StatusCode >= 500 {
				t.Errorf("%s: status %d: %s", req.RouteKey, resp.StatusCode, resp.Body)
			}
			if strings.HasPrefix(folder, "webhook-") && resp.StatusCode != http.StatusOK {
				t.Errorf("signed sample webhook: status %d: %s", resp.StatusCode, resp.Body)
			}
			// The asset sample names the stylesheet by its content hash:
			// when the CSS changes, the sample must follow.
			if folder == "assets" && resp.StatusCode != http.StatusOK {
				t.Errorf("events/assets.json asks for %s, which is not served (now %s): %d", req.RawPath, portal.AssetURL("style.css"), resp.StatusCode)
			}
		})
	}

	entries, err := os.ReadDir(repoPath(t, "events"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue // a checkout's own payloads (events/stripe, events/shopify), replayed by infra/devserver's tests
		}
		if !samples[e.Name()] {
			t.Errorf("events/%s is not the sample of any function of template.yaml", e.Name())
		}
	}
}

// checkBackgroundSample decodes a stream, queue or schedule function's
// sample as Lambda's own event type, without unknown fields, and runs it
// through the function on the dev server: no error, no batch item failure.
func checkBackgroundSample(t *testing.T, f lambdas.Function, d *app.Deps, raw []byte) {
	t.Helper()
	ctx := context.Background()
	switch f.Trigger() {
	case lambdas.Stream:
		ev := decode[events.DynamoDBEvent](t, raw)
		if len(ev.Records) == 0 {
			t.Fatal("no records")
		}
		res, err := f.Stream(d)(ctx, ev)
		if err != nil || len(res.BatchItemFailures) > 0 {
			t.Errorf("failures %v: %v", res.BatchItemFailures, err)
		}
	case lambdas.Queue:
		ev := decode[events.SQSEvent](t, raw)
		if len(ev.Records) == 0 {
			t.Fatal("no records")
		}
		res, err := f.Queue(d)(ctx, ev)
		if err != nil || len(res.BatchItemFailures) > 0 {
			t.Errorf("failures %v: %v", res.BatchItemFailures, err)
		}
	case lambdas.Schedule:
		in := decode[notify.DigestInput](t, raw)
		if err := f.Schedule(d)(ctx, in); err != nil {
			t.Error(err)
		}
	default:
		t.Fatalf("%s: trigger %q has no sample check", f.ID, f.Trigger())
	}
}

// checkRequest checks a sample against the function's routes and against
// itself (path, query, times, body), and returns its route.
func checkRequest(t *testing.T, req apigw.Request, routes []sam.Route) sam.Route {
	t.Helper()
	var route sam.Route
	var keys []string
	for _, r := range routes {
		keys = append(keys, r.Method+" "+r.Path)
		if req.RouteKey == r.Method+" "+r.Path {
			route = r
		}
	}
	if route.Path == "" {
		t.Fatalf("routeKey %q is none of the function's routes %q", req.RouteKey, keys)
	}
	rc := req.RequestContext
	switch {
	case req.Version != "2.0":
		t.Errorf("version %q, want 2.0", req.Version)
	case rc.RouteKey != req.RouteKey:
		t.Errorf("requestContext.routeKey %q, routeKey %q", rc.RouteKey, req.RouteKey)
	case rc.HTTP.Method != route.Method:
		t.Errorf("requestContext.http.method %q, route %s", rc.HTTP.Method, req.RouteKey)
	case rc.Stage != "$default" || rc.RequestID == "":
		t.Errorf("stage %q, requestId %q", rc.Stage, rc.RequestID)
	}
	if want := fill(t, route.Path, req.PathParameters); req.RawPath != want || rc.HTTP.Path != want {
		t.Errorf("rawPath %q, requestContext.http.path %q; %s with %v is %q", req.RawPath, rc.HTTP.Path, route.Path, req.PathParameters, want)
	}
	q, err := url.ParseQuery(req.RawQueryString)
	if err != nil {
		t.Errorf("rawQueryString: %v", err)
	}
	joined := map[string]string{}
	for k, vs := range q {
		joined[k] = strings.Join(vs, ",") // as API Gateway joins repeated keys
	}
	if len(joined) != len(req.QueryStringParameters) || (len(joined) > 0 && !reflect.DeepEqual(joined, req.QueryStringParameters)) {
		t.Errorf("queryStringParameters %v, rawQueryString %q", req.QueryStringParameters, req.RawQueryString)
	}
	at, err := time.Parse("02/Jan/2006:15:04:05 -0700", rc.Time)
	if err != nil || at.UnixMilli() != rc.TimeEpoch {
		t.Errorf("requestContext.time %q and timeEpoch %d disagree (%v)", rc.Time, rc.TimeEpoch, err)
	}
	for k := range req.Headers {
		if k != strings.ToLower(k) || k == "cookie" {
			t.Errorf("header %q: API Gateway lower-cases names and moves cookies to `cookies`", k)
		}
	}
	if _, err := apigw.Body(req); err != nil {
		t.Errorf("body: %v", err)
	}
	return route
}

// checkAuthorizerSample checks the request authorizer's sample: the event
// of a route behind that authorizer, and what the authorizer decides on it.
func checkAuthorizerSample(t *testing.T, tpl *sam.Template, name string, raw []byte, az auth.AuthorizerHandler) {
	req := decode[events.APIGatewayV2CustomAuthorizerV2Request](t, raw)
	if req.Version != "2.0" || req.Type != "REQUEST" {
		t.Errorf("version %q type %q, want 2.0 REQUEST", req.Version, req.Type)
	}
	var guarded []string
	for _, r := range tpl.Routes() {
		if r.Authorizer != name {
			continue
		}
		guarded = append(guarded, r.Method+" "+r.Path)
		if req.RouteKey == r.Method+" "+r.Path {
			if want := "/$default/" + r.Method + req.RawPath; !strings.HasSuffix(req.RouteArn, want) || req.RequestContext.RouteKey != req.RouteKey {
				t.Errorf("routeArn %q (want the suffix %q), requestContext.routeKey %q", req.RouteArn, want, req.RequestContext.RouteKey)
			}
			if req.RawPath != fill(t, r.Path, req.PathParameters) {
				t.Errorf("rawPath %q does not fill %s", req.RawPath, r.Path)
			}
		}
	}
	if !slices.Contains(guarded, req.RouteKey) {
		t.Fatalf("routeKey %q is not behind %s: %q", req.RouteKey, name, guarded)
	}
	res, err := az(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsAuthorized || res.Context["auth"] != auth.Found {
		t.Errorf("the sample's credentials are not recognized: %+v", res)
	}
	t.Logf("%s -> %v", req.RouteKey, res.Context)
}

// authorizerEvent is the authorizer's view of a request, as API Gateway
// builds it.
func authorizerEvent(req apigw.Request) events.APIGatewayV2CustomAuthorizerV2Request {
	rc := req.RequestContext
	rc.Authorizer = nil
	return events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST", RouteKey: req.RouteKey, RawPath: req.RawPath, RawQueryString: req.RawQueryString,
		Cookies: req.Cookies, Headers: req.Headers, QueryStringParameters: req.QueryStringParameters,
		PathParameters: req.PathParameters, RequestContext: rc,
	}
}

// sign replaces the sample's placeholder signature with a real one over its
// body, at its own webhook-timestamp.
func sign(t *testing.T, req *apigw.Request) {
	ts, err := strconv.ParseInt(req.Headers["webhook-timestamp"], 10, 64)
	if err != nil || ts*1000 != req.RequestContext.TimeEpoch {
		t.Fatalf("webhook-timestamp %q is not the request's time %d", req.Headers["webhook-timestamp"], req.RequestContext.TimeEpoch)
	}
	body, _ := apigw.Body(*req)
	req.Headers["webhook-signature"] = webhooksig.Sign(webhookKey, req.Headers["webhook-id"], time.Unix(ts, 0), body)
}

// fill puts path parameters into a route's path template.
func fill(t *testing.T, template string, params map[string]string) string {
	segs := strings.Split(template, "/")
	n := 0
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			v, ok := params[strings.Trim(s, "{}")]
			if !ok || v == "" {
				t.Errorf("pathParameters has no %s", s)
			}
			segs[i] = url.PathEscape(v)
			n++
		}
	}
	if n != len(params) {
		t.Errorf("pathParameters %v, route %s", params, template)
	}
	return strings.Join(segs, "/")
}

// decode reads JSON strictly: a misspelt field is an error, not a zero.
func decode[T any](t *testing.T, raw []byte) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return v
}

func repoPath(t *testing.T, name string) string {
	p, err := sam.RepoFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(repoPath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
