// Package devserver serves every route of template.yaml on a local address,
// through the same handler code the Lambdas run: each HTTP request becomes
// the API Gateway HTTP API (payload 2.0) event, the route's authorizer runs
// first where it has one, and the handler's response becomes the HTTP
// answer. The store is an embedded DynamoDB-compatible server unless an
// endpoint (DynamoDB Local, AWS) is given.
package devserver

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/embedded"
	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/adapters/mail"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/background/notify"
	"github.com/tallyhq/tally/shared/lambdas"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/auth"
)

// Options configure a dev server. Zero values pick the local defaults.
type Options struct {
	DynamoDBEndpoint string // "" = embedded store, in process
	Table            string // default "tally"
	ProgramYAML      []byte // nil = the demo program
	WebhookSecrets   string // whsec_... (space-separated); "" = a new random one
	ClickKey         string // "" = a new random one
	SessionKey       string // "" = a new random one
	Now              func() time.Time
	Log              *slog.Logger // default: JSON to stderr
	Mail             io.Writer    // where sign-in mail is printed; default stdout
	PublicBaseURL    string       // where mailed links point; set it (or SetPublicBaseURL) once the address is known

	// Checkouts (SPEC 10): "" = a made-up secret or key; the API URL
	// defaults to Stripe's.
	StripeWebhookSecrets string
	StripeAPIKey         string
	StripeAPIURL         string
	ShopifySecrets       string
	HTTP                 *http.Client // for Stripe's API; nil = default
	// Notify runs in process the functions template.yaml triggers from the
	// table's stream, a queue or a schedule (mail, outgoing webhooks), as
	// Lambda does on AWS. Off by default in tests.
	Notify bool
	// SQS, QueueURL and DLQURL are the webhook queues; nil SQS means
	// in-memory queues.
	SQS              app.SQS
	QueueURL, DLQURL string
	// ImportQueueURL is the large imports' queue ("" = an in-memory one
	// when SQS is nil).
	ImportQueueURL string
	// PayoutQueueURL is the queue of payouts being built, in the same
	// place; PayoutBudget how long a payout's request takes affiliates
	// before it answers 202, building (0 = app.DefaultPayoutBudget).
	PayoutQueueURL string
	PayoutBudget   time.Duration
	RetryDelays    []time.Duration // default notify.LocalDelays
	WebhookHTTP    *http.Client    // sends outgoing webhooks
}

// Server is a running set of routes over a store.
type Server struct {
	Deps          *app.Deps
	Store         *store.Store
	Program       *program.Program
	WebhookSecret string // what webhooks are verified with
	// What the checkouts' webhooks are verified with, and the Stripe key.
	StripeWebhookSecret, StripeAPIKey, ShopifySecret string
	Endpoint                                         string // the DynamoDB endpoint in use
	Routes                                           []sam.Route

	mux          *http.ServeMux
	overlap      *http.ServeMux // routes mux refused as overlapping: see handle
	stopEmbedded func() error   // nil on an external endpoint
	feed         *feed          // the embedded store's writes, as a stream
	bg           *background
	// catchUp folds the stream into the owner's summaries before a page
	// that reads them (/admin, /admin/affiliates) when the background
	// consumers are off (nil when on).
	catchUp func(context.Context) error
	writes  atomic.Int64 // writes through the server's DynamoDB client
}

// New creates the table (from template.yaml) if missing, loads the program
// and builds every route's handler.
func New(ctx context.Context, o Options) (*Server, error) {
	if o.Table == "" {
		o.Table = "tally"
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	tpl, err := sam.LoadRepo()
	if err != nil {
		return nil, err
	}
	s := &Server{Endpoint: o.DynamoDBEndpoint, Routes: tpl.Routes()}
	if s.Endpoint == "" {
		if s.Endpoint, s.stopEmbedded, err = embedded.StartWrapped(func(h http.Handler) http.Handler { s.feed = newFeed(h); return s.feed }); err != nil {
			return nil, err
		}
	}
	// Writes through the server's client are counted: without a stream,
	// the summaries are recomputed only after one (catchUpSummaries).
	db := dynamodb.New(app.LocalDynamoDB(s.Endpoint).Options(), countWrites(&s.writes))
	if err := tpl.CreateTable(ctx, db, o.Table); err != nil {
		return nil, fmt.Errorf("create table %s at %s: %w", o.Table, s.Endpoint, err)
	}
	if !embedded.Is(s.Endpoint) {
		if err := tpl.EnableTTL(ctx, db, o.Table); err != nil && !strings.Contains(err.Error(), "already enabled") {
			return nil, fmt.Errorf("enable TTL: %w", err)
		}
	}

	if o.WebhookSecrets == "" {
		o.WebhookSecrets = "whsec_" + base64.StdEncoding.EncodeToString(randomBytes(24))
	}
	if o.ClickKey == "" {
		o.ClickKey = hex.EncodeToString(randomBytes(32))
	}
	if o.SessionKey == "" {
		o.SessionKey = hex.EncodeToString(randomBytes(32))
	}
	s.WebhookSecret = o.WebhookSecrets
	if o.StripeWebhookSecrets == "" {
		o.StripeWebhookSecrets = "whsec_" + hex.EncodeToString(randomBytes(16))
	}
	if o.StripeAPIKey == "" {
		o.StripeAPIKey = "rk_test_" + hex.EncodeToString(randomBytes(12))
	}
	if o.ShopifySecrets == "" {
		o.ShopifySecrets = "shpss_" + hex.EncodeToString(randomBytes(16))
	}
	s.StripeWebhookSecret, s.StripeAPIKey, s.ShopifySecret = o.StripeWebhookSecrets, o.StripeAPIKey, o.ShopifySecrets
	cfg := app.Config{
		Table:          o.Table,
		ClickKey:       o.ClickKey,
		WebhookSecrets: o.WebhookSecrets,
		SessionKey:     o.SessionKey,
		PublicBaseURL:  o.PublicBaseURL,
		ProgramTTL:     2 * time.Second,
		Local:          true,

		StripeWebhookSecrets: o.StripeWebhookSecrets,
		StripeAPIKey:         o.StripeAPIKey,
		StripeAPIURL:         o.StripeAPIURL,
		ShopifySecrets:       o.ShopifySecrets,
	}
	s.Deps = app.New(cfg, db, o.Log)
	s.Deps.HTTP = o.HTTP
	if o.Now != nil {
		s.Deps.Now = o.Now
	}
	if o.Mail == nil {
		o.Mail = os.Stdout
	}
	s.Deps.Mail = &mail.Printer{W: o.Mail}
	s.Store = s.Deps.Store
	if o.SQS == nil {
		o.SQS, o.QueueURL, o.DLQURL = newMemQueues(), memQueueURL, memDLQURL
	}
	if o.ImportQueueURL == "" {
		o.ImportQueueURL = memImportQueueURL
	}
	if o.PayoutQueueURL == "" {
		o.PayoutQueueURL = memPayoutQueueURL
	}
	if o.RetryDelays == nil {
		o.RetryDelays = notify.LocalDelays
	}
	s.Deps.SQS, s.Deps.WebhookHTTP, s.Deps.RetryDelays = o.SQS, o.WebhookHTTP, o.RetryDelays
	s.Deps.Config.WebhookQueueURL, s.Deps.Config.WebhookDLQURL = o.QueueURL, o.DLQURL
	s.Deps.Config.ImportQueueURL = o.ImportQueueURL
	s.Deps.Config.PayoutQueueURL, s.Deps.Config.PayoutBudget = o.PayoutQueueURL, o.PayoutBudget
	s.Deps.Config.MailLinkKey = hex.EncodeToString(randomBytes(32))

	src := o.ProgramYAML
	if src == nil {
		src = demo.YAML
	}
	p, err := program.Parse(src)
	if err != nil {
		return nil, err
	}
	if _, err := s.Store.SaveProgram(ctx, p, s.Deps.Now()); err != nil {
		return nil, fmt.Errorf("load program: %w", err)
	}
	s.Deps.ProgramChanged()
	if s.Program, err = s.Deps.Programs.Get(ctx); err != nil {
		return nil, err
	}
	if err := s.buildRoutes(tpl); err != nil {
		return nil, err
	}
	if o.Notify {
		raw, err := sam.LoadRepoRaw()
		if err != nil {
			return nil, err
		}
		if err := s.startConsumers(raw, db, o.Table); err != nil {
			return nil, fmt.Errorf("consumers: %w", err)
		}
	} else if s.catchUp, err = s.catchUpSummaries(db, o.Table); err != nil {
		return nil, err
	}
	return s, nil
}

// SetPublicBaseURL sets where mailed links point, as TALLY_PUBLIC_BASE_URL
// does on AWS: the address the server listens on. Mail links are never
// built from a request's Host header.
func (s *Server) SetPublicBaseURL(base string) { s.Deps.Config.PublicBaseURL = base }

// Close stops the consumers and the embedded store, if any.
func (s *Server) Close() error {
	s.bg.close()
	if s.stopEmbedded != nil {
		return s.stopEmbedded()
	}
	return nil
}

// Handler is the HTTP API.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.catchUp != nil && r.Method == http.MethodGet && (r.URL.Path == "/admin" || r.URL.Path == "/admin/affiliates") {
			if err := s.catchUp(r.Context()); err != nil {
				s.Deps.Log.Warn("summaries catch-up", "err", err.Error())
			}
		}
		if _, pattern := s.mux.Handler(r); pattern == "/" || pattern == "" {
			if _, p := s.overlap.Handler(r); p != "" {
				s.overlap.ServeHTTP(w, r)
				return
			}
		}
		s.mux.ServeHTTP(w, r)
	})
}

// handle registers a route. Go's mux refuses two patterns that overlap
// with neither more specific (GET /admin/affiliates/import/{id} and GET
// /admin/affiliates/{code}/ledger); API Gateway prefers the literal
// segment. Routes come sorted by path, so a literal comes before a
// variable in the same place: the later of such a pair serves only what
// the first does not match ("import" is a reserved code, so no affiliate's
// ledger is hidden).
func (s *Server) handle(pattern string, h http.Handler) {
	defer func() {
		if recover() != nil {
			s.overlap.Handle(pattern, h)
		}
	}()
	s.mux.Handle(pattern, h)
}

func (s *Server) buildRoutes(tpl *sam.Template) error {
	s.mux, s.overlap = http.NewServeMux(), http.NewServeMux()
	authorizers := map[string]auth.AuthorizerHandler{}
	for _, r := range s.Routes {
		fn, ok := lambdas.Find(r.Function)
		if !ok || fn.Route == nil {
			return fmt.Errorf("template.yaml function %s has no route handler in lambdas.All", r.Function)
		}
		h := fn.Route(s.Deps)
		var az auth.AuthorizerHandler
		if r.Authorizer != "" {
			if az = authorizers[r.Authorizer]; az == nil {
				id, err := tpl.AuthorizerFunction(r.Authorizer)
				if err != nil {
					return err
				}
				a, ok := lambdas.Find(id)
				if !ok || a.Authorizer == nil {
					return fmt.Errorf("authorizer function %s has no authorizer in lambdas.All", id)
				}
				az = a.Authorizer(s.Deps)
				authorizers[r.Authorizer] = az
			}
		}
		s.handle(r.Method+" "+r.Path, s.route(r, h, az))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"message":"Not Found"}`)
	})
	return nil
}

// maxBody is API Gateway's payload limit.
const maxBody = 10 << 20

func (s *Server) route(r sam.Route, h apigw.Handler, az auth.AuthorizerHandler) http.Handler {
	routeKey := r.Method + " " + r.Path
	return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		body, err := io.ReadAll(io.LimitReader(hr.Body, maxBody+1))
		if err != nil || len(body) > maxBody {
			http.Error(w, `{"message":"Request Entity Too Large"}`, http.StatusRequestEntityTooLarge)
			return
		}
		req := toEvent(hr, routeKey, r.Path, body, s.Deps.Now())
		ctx := lambdacontext.NewContext(hr.Context(), &lambdacontext.LambdaContext{AwsRequestID: req.RequestContext.RequestID})
		if az != nil {
			res, err := az(ctx, authorizerEvent(req))
			if err != nil || !res.IsAuthorized {
				writeJSON(w, http.StatusForbidden, `{"message":"Forbidden"}`)
				return
			}
			req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: res.Context}
		}
		resp, err := h(ctx, req)
		if err != nil {
			// A Lambda that returns an error is a 500 on API Gateway.
			s.Deps.Log.Error("handler error", "route", routeKey, "err", err.Error())
			writeJSON(w, http.StatusInternalServerError, `{"message":"Internal Server Error"}`)
			return
		}
		writeResponse(w, hr, resp)
	})
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// toEvent builds the payload 2.0 event API Gateway would send.
func toEvent(hr *http.Request, routeKey, pathPattern string, body []byte, now time.Time) apigw.Request {
	headers := map[string]string{}
	for k, vs := range hr.Header {
		if strings.EqualFold(k, "Cookie") {
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	headers["host"] = hr.Host
	var cookies []string
	for _, c := range hr.Header.Values("Cookie") {
		for _, part := range strings.Split(c, ";") {
			if part = strings.TrimSpace(part); part != "" {
				cookies = append(cookies, part)
			}
		}
	}
	var query map[string]string
	if q := hr.URL.Query(); len(q) > 0 {
		query = map[string]string{}
		for k, vs := range q {
			query[k] = strings.Join(vs, ",")
		}
	}
	var params map[string]string
	for _, seg := range strings.Split(pathPattern, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := strings.Trim(seg, "{}")
			if params == nil {
				params = map[string]string{}
			}
			params[name] = hr.PathValue(name)
		}
	}
	host, _, _ := net.SplitHostPort(hr.RemoteAddr)
	req := apigw.Request{
		Version:               "2.0",
		RouteKey:              routeKey,
		RawPath:               hr.URL.EscapedPath(),
		RawQueryString:        hr.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     routeKey,
			AccountID:    "000000000000",
			Stage:        "$default",
			RequestID:    hex.EncodeToString(randomBytes(8)),
			APIID:        "local",
			DomainName:   hr.Host,
			DomainPrefix: strings.Split(hr.Host, ".")[0],
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    hr.Method,
				Path:      hr.URL.Path,
				Protocol:  hr.Proto,
				SourceIP:  host,
				UserAgent: hr.UserAgent(),
			},
		},
	}
	if utf8.Valid(body) {
		req.Body = string(body)
	} else {
		req.Body, req.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	if hr.TLS == nil {
		req.Headers["x-forwarded-proto"] = "http"
	}
	return req
}

func authorizerEvent(req apigw.Request) events.APIGatewayV2CustomAuthorizerV2Request {
	return events.APIGatewayV2CustomAuthorizerV2Request{
		Version:               "2.0",
		Type:                  "REQUEST",
		RouteArn:              "arn:aws:execute-api:local:000000000000:local/$default/" + strings.Replace(req.RouteKey, " ", "", 1),
		RouteKey:              req.RouteKey,
		RawPath:               req.RawPath,
		RawQueryString:        req.RawQueryString,
		Cookies:               req.Cookies,
		Headers:               req.Headers,
		QueryStringParameters: req.QueryStringParameters,
		RequestContext:        req.RequestContext,
		PathParameters:        req.PathParameters,
	}
}

// writeResponse turns the handler's payload 2.0 answer into HTTP.
func writeResponse(w http.ResponseWriter, hr *http.Request, resp apigw.Response) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = b
		}
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if hr.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}
