package rie_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/eventfile"
	"github.com/tallyhq/tally/infra/rie"
	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/program"
)

// What each sample must get back, by events/ file. Routes answer an HTTP
// status; the authorizer its decision.
var want = map[string]int{
	"admin-adjustment":              201,
	"admin-affiliate":               200,
	"admin-affiliate-create":        201,
	"admin-affiliate-edit":          200,
	"admin-affiliate-import":        200,
	"admin-affiliate-import-status": 200, // the job prepare starts
	"admin-affiliate-remove":        204,
	"admin-affiliate-remove-form":   204, // a key's POST: answered as the DELETE
	"admin-affiliate-update":        200,
	"admin-affiliate-ledger":        200,
	"admin-affiliates":              200,
	"admin-applicant-approve":       404, // no such applicant in a fresh table
	"admin-applicant-decline":       404,
	"admin-applicants":              200,
	"admin-balances":                200,
	"admin-checkout-event-retry":    404, // no such checkout event in a fresh table
	"admin-checkout-events":         200,
	"admin-overview":                200,
	"admin-payout-cancel":           404, // no such payout in a fresh table
	"admin-payout-create":           422, // nothing payable in a fresh table
	"admin-payout-export":           404,
	"admin-payout-get":              404,
	"admin-payout-item-returned":    404,
	"admin-payout-list":             200,
	"admin-payout-mark-paid":        404,
	"admin-webhooks-failed":         200,
	"admin-webhooks-resend":         200,
	"assets":                        200,
	"click-long":                    302,
	"click-short":                   302,
	"join-confirm":                  410, // no such signup: the link is gone
	"join-confirm-page":             410,
	"join-event-page":               200,
	"join-page":                     200,
	"join-submit":                   200, // "check your mail", and the mail is sent
	"login-code":                    410, // no sign-in was asked for: gone
	"login-link-page":               410,
	"login-link-submit":             410,
	"login-page":                    200,
	"login-submit":                  200, // "check your mail", and the mail is sent
	"logout":                        303,
	"mail-settings":                 200,
	"mail-settings-post":            403, // a key, not a signed-in session: no form token
	"report-balance":                200,
	"report-commission-structure":   200,
	"report-ledger":                 200,
	"report-link-stats":             200,
	"report-links":                  200,
	"report-payouts":                200,
	"report-products-sold":          200,
	"report-recruits":               200,
	"report-resources":              200,
	"report-leaderboard":            200,
	"report-leaderboard-post":       403, // a key, not a signed-in session: no form token
	"admin-leaderboard":             200,
	"report-contests":               200,
	"admin-contest":                 200,
	"admin-contest-award":           409, // not final: the demo's contest has no standings stored
	"snippet":                       200,
	"unsubscribe-page":              403, // the sample's token is deliberately not valid
	"unsubscribe-post":              403,
	"webhook-optins":                200,
	"webhook-orders":                200,
	"webhook-shopify":               200,
	"webhook-stripe":                200,
}

// The stream, queue and schedule functions answer Lambda with their batch
// item failures (none expected) or nothing.
var background = map[string]bool{"notify-stream": true, "notify-webhook-sender": true, "notify-mail-digest": true,
	"board-stream": true, "board-snapshot": true, "affiliate-import-worker": true, "payout-build-worker": true}

// The endpoint the program sends webhooks to, for the functions that need
// one: the stream's is never dialled (it only queues); the sender's is a
// loopback address, which a deployed sender never connects to.
var hookOf = map[string]string{
	"notify-stream":         "https://hooks.invalid/tally",
	"notify-webhook-sender": "https://127.0.0.1:9/tally-hook",
}

// What each function must have asked of AWS: sign-in mail through SES; a
// commission both mailed and queued for the endpoint; a delivery that can
// never be made (loopback, from its first try long ago) moved to the
// dead-letter queue.
var calls = map[string][]string{
	"login-submit":          {"POST /v2/email/outbound-emails"},
	"join-submit":           {"POST /v2/email/outbound-emails"},
	"notify-stream":         {"POST /v2/email/outbound-emails", "AmazonSQS.SendMessage"},
	"notify-webhook-sender": {"AmazonSQS.SendMessage"},
}

// The samples that must change the table (the rest may or may not).
var writesSomething = []string{"board-stream", "notify-stream", "click-long", "click-short", "webhook-optins", "webhook-orders", "webhook-stripe", "webhook-shopify", "admin-adjustment", "login-submit", "join-submit",
	"admin-affiliate-create", "admin-affiliate-update", "admin-affiliate-edit", "admin-affiliate-remove", "admin-affiliate-remove-form",
	"admin-affiliate-import", "affiliate-import-worker"}

// sam build's target per function: `build-<LogicalId>: ; $(call lambda,<folder>)`.
var buildTarget = regexp.MustCompile(`(?m)^build-(\w+): ; \$\(call lambda,([a-z0-9-]+)\)$`)

// Every function binary, built by its Makefile target as `sam build` does
// (for this machine's architecture), runs under the Lambda runtime
// emulator with only the variables template.yaml gives it, against a fresh
// table holding the demo program, and answers its sample of events/ as the
// route should; what it wrote is under key prefixes its IAM policy allows.
func TestFunctionsRunUnderTheLambdaRuntimeEmulator(t *testing.T) {
	emulator, err := rie.Binary()
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("TALLY_TEST_STRIPE_MOCK") == "" {
		t.Fatal("TALLY_TEST_STRIPE_MOCK is not set: run the tests with `make test`, which starts stripe-mock")
	}
	db := dynamotest.Client(t)
	tpl, err := sam.LoadRepo()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sam.LoadRepoRaw()
	if err != nil {
		t.Fatal(err)
	}
	folders := map[string]string{}
	for _, m := range buildTarget.FindAllStringSubmatch(read(t, "Makefile"), -1) {
		folders[m[1]] = m[2]
	}
	bins := binaries(t, tpl.Functions())

	ran := map[string]bool{}
	for _, id := range tpl.Functions() {
		folder := folders[id]
		sample := filepath.Join("events", folder+".json")
		if _, err := os.Stat(repoPath(t, sample)); err != nil {
			t.Errorf("%s has no sample %s", id, sample)
			continue
		}
		ran[folder] = true
		t.Run(folder, func(t *testing.T) {
			t.Parallel()
			fake := newFakeAWS(t) // each function's own, so what it called is its own
			table := dynamotest.NewTable(t, db)
			st := store.New(db, table)
			p, err := program.Parse(demo.YAML)
			if err != nil {
				t.Fatal(err)
			}
			if url, ok := hookOf[folder]; ok {
				p.WebhooksOut = append(p.WebhooksOut, program.WebhookOut{URL: url, Events: []string{"commission.created"}})
			}
			if _, err := st.SaveProgram(context.Background(), p, time.Now()); err != nil {
				t.Fatal(err)
			}
			env := []string{"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
				"AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL_DYNAMODB=" + dynamotest.Endpoint(t),
				"AWS_ENDPOINT_URL_SQS=" + fake.URL, "AWS_ENDPOINT_URL_SESV2=" + fake.URL,
				"AWS_LAMBDA_FUNCTION_NAME=" + id, "AWS_LAMBDA_FUNCTION_TIMEOUT=" + timeout(raw, id)}
			env, err = rie.Env(raw, id, env, rie.Settings{Table: table, QueueBase: fake.URL, StripeAPI: os.Getenv("TALLY_TEST_STRIPE_MOCK")}.Variables())
			if err != nil {
				t.Fatal(err)
			}
			event, err := eventfile.Prepare(folder, []byte(read(t, sample)), st, eventfile.Secrets{Webhook: rie.WebhookKey, Stripe: rie.StripeSecret, Shopify: rie.ShopifySecret}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			before := items(t, db, table)

			f, err := rie.Start(context.Background(), emulator, bins[id], env)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Stop()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out, err := f.Invoke(ctx, event)
			if err != nil {
				t.Fatalf("%v\n%s", err, f.Log())
			}
			checkAnswer(t, folder, out, f.Log())

			for _, op := range calls[folder] {
				if !fake.called(op) {
					t.Errorf("%s never called %s\n%s", id, op, f.Log())
				}
			}
			after := items(t, db, table)
			changed := 0
			for k, v := range after {
				if before[k] == v {
					continue
				}
				changed++
				if pk := strings.SplitN(k, "\x00", 2)[0]; !raw.MayWrite(id, pk) {
					t.Errorf("%s wrote an item under %q, which its policy in template.yaml does not allow", id, pk)
				}
			}
			for k := range before {
				if _, ok := after[k]; !ok {
					changed++
					if pk := strings.SplitN(k, "\x00", 2)[0]; !raw.MayWrite(id, pk) {
						t.Errorf("%s deleted an item under %q, which its policy in template.yaml does not allow", id, pk)
					}
				}
			}
			if changed == 0 && slices.Contains(writesSomething, folder) {
				t.Errorf("%s changed nothing in the table", id)
			}
		})
	}
	for name := range want {
		if !ran[name] {
			t.Errorf("events/%s.json is expected here but is the sample of no function", name)
		}
	}
}

func checkAnswer(t *testing.T, folder string, out []byte, log string) {
	t.Helper()
	var doc struct {
		ErrorType    string          `json:"errorType"`
		ErrorMessage string          `json:"errorMessage"`
		StatusCode   int             `json:"statusCode"`
		Body         string          `json:"body"`
		IsAuthorized *bool           `json:"isAuthorized"`
		Context      json.RawMessage `json:"context"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, out)
	}
	if doc.ErrorType != "" {
		t.Fatalf("the handler failed (a 500 on API Gateway): %s: %s\n%s", doc.ErrorType, doc.ErrorMessage, log)
	}
	if background[folder] {
		var res struct {
			Failures []struct {
				ID string `json:"itemIdentifier"`
			} `json:"batchItemFailures"`
		}
		if string(out) != "null" {
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("answer %s: %v", out, err)
			}
		}
		if doc.StatusCode != 0 || len(res.Failures) > 0 {
			t.Errorf("answered %s, want no failures\n%s", out, log)
		}
		return
	}
	if folder == "authorizer" {
		var ctx map[string]string
		_ = json.Unmarshal(doc.Context, &ctx)
		if doc.IsAuthorized == nil || !*doc.IsAuthorized || !reflect.DeepEqual(ctx, map[string]string{"auth": "ok", "role": "affiliate", "subject": "jane"}) {
			t.Errorf("authorizer answered %s, want jane's key recognized", out)
		}
		return
	}
	w, ok := want[folder]
	if !ok {
		t.Fatalf("no expected status for events/%s.json (answered %d): add it to want", folder, doc.StatusCode)
	}
	if doc.StatusCode != w {
		t.Errorf("status %d, want %d: %.300s\n%s", doc.StatusCode, w, doc.Body, log)
	}
}

func timeout(r sam.Raw, id string) string {
	if v := r.Props(id)["Timeout"]; v != nil {
		return fmt.Sprint(v)
	}
	return fmt.Sprint(sam.Path(r, "Globals", "Function", "Timeout"))
}

var built struct {
	sync.Once
	bins map[string]string
	err  error
}

// binaries builds every function once per test run, into a folder removed
// when the tests end (TestMain).
func binaries(t *testing.T, ids []string) map[string]string {
	t.Helper()
	built.Do(func() {
		root, err := sam.RepoFile("")
		if err != nil {
			built.err = err
			return
		}
		built.bins, built.err = rie.Build(context.Background(), root, buildDir, "", ids)
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bins
}

var buildDir string

func TestMain(m *testing.M) {
	var err error
	if buildDir, err = os.MkdirTemp("", "tally-rie-bin"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(buildDir)
	os.Exit(code)
}

// items is every item of a table by key, as JSON, to see what changed.
func items(t *testing.T, db *dynamodb.Client, table string) map[string]string {
	t.Helper()
	out := map[string]string{}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			pk, _ := it["PK"].(*types.AttributeValueMemberS)
			sk, _ := it["SK"].(*types.AttributeValueMemberS)
			if pk == nil || sk == nil {
				t.Fatalf("item without string keys: %v", it)
			}
			b, _ := json.Marshal(it)
			out[pk.Value+"\x00"+sk.Value] = string(b)
		}
	}
	return out
}

// fakeAWS answers the two AWS APIs besides DynamoDB the functions call, in
// their own protocols: SES v2 SendEmail (REST JSON) and SQS (JSON 1.0):
// queues are empty, and every message sent is accepted.
type fakeAWS struct {
	*httptest.Server
	mu    sync.Mutex
	calls []string
}

func newFakeAWS(t *testing.T) *fakeAWS {
	f := &fakeAWS{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		op := r.Header.Get("X-Amz-Target")
		if op == "" {
			op = r.Method + " " + r.URL.Path
		}
		f.mu.Lock()
		f.calls = append(f.calls, op)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		switch op {
		case "POST /v2/email/outbound-emails":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"MessageId":"rie-test-message"}`)
		case "AmazonSQS.ReceiveMessage":
			_, _ = io.WriteString(w, `{"Messages":[]}`)
		case "AmazonSQS.SendMessage":
			var in struct{ MessageBody string }
			_ = json.Unmarshal(body, &in)
			sum := md5.Sum([]byte(in.MessageBody))
			fmt.Fprintf(w, `{"MessageId":"rie-test-message","MD5OfMessageBody":%q}`, hex.EncodeToString(sum[:]))
		case "AmazonSQS.DeleteMessage", "AmazonSQS.ChangeMessageVisibility":
			_, _ = io.WriteString(w, `{}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":"InvalidAction","message":"not faked: %s"}`, op)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAWS) called(op string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.calls, op)
}

func repoPath(t *testing.T, name string) string {
	t.Helper()
	p, err := sam.RepoFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(repoPath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A cold start as the benchmark takes it: the emulator's own report of the
// init and of the first invoke is read, and the answer comes back.
func TestColdStartIsReadFromTheEmulatorsReport(t *testing.T) {
	emulator, err := rie.Binary()
	if err != nil {
		t.Fatal(err)
	}
	bins := binaries(t, functionIDs(t))
	db := dynamotest.Client(t)
	table := dynamotest.NewTable(t, db)
	env := []string{"TALLY_TABLE=" + table, "TALLY_SESSION_KEY=rie-test-session-key-0123456789abcdef01", "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_ENDPOINT_URL_DYNAMODB=" + dynamotest.Endpoint(t)}
	cs, err := rie.Cold(context.Background(), emulator, bins["AuthorizerFunction"], env, []byte(read(t, "events/authorizer.json")))
	if err != nil {
		t.Fatal(err)
	}
	if cs.Init <= 0 || cs.Invoke <= 0 {
		t.Errorf("init %v, invoke %v: not read from the report", cs.Init, cs.Invoke)
	}
	// No program and no key in this table: the key is not recognized.
	if !strings.Contains(string(cs.Response), `"isAuthorized":true`) || !strings.Contains(string(cs.Response), `"auth":"invalid"`) {
		t.Errorf("answer %s", cs.Response)
	}
}

func functionIDs(t *testing.T) []string {
	t.Helper()
	tpl, err := sam.LoadRepo()
	if err != nil {
		t.Fatal(err)
	}
	return tpl.Functions()
}
