package devserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamotest"
)

const iPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"

// tally is the dev server under test, on DynamoDB Local, with a clock.
type tally struct {
	t      *testing.T
	srv    *devserver.Server
	ts     *httptest.Server
	mu     sync.Mutex
	now    time.Time
	client *http.Client
	mail   *mailbox
	// counted is when a leaderboard's row was last seen counted.
	counted time.Time
}

// mailbox keeps what the dev server prints as mail.
type mailbox struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (m *mailbox) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.buf.Write(p)
}

// lastLink is the last sign-in link mailed to an address.
func (m *mailbox) lastLink(to string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	link := ""
	for _, l := range strings.Split(m.buf.String(), "\n") {
		if rest, ok := strings.CutPrefix(l, "mail to "+to+": "); ok {
			link = rest[strings.LastIndex(rest, " ")+1:]
		}
	}
	return link
}

func start(t *testing.T) *tally { t.Helper(); return startWith(t, nil) }

// startWith serves a program file (nil: the demo program).
func startWith(t *testing.T, program []byte) *tally {
	t.Helper()
	return startOn(t, dynamotest.DynamoDBLocal, program)
}

// startOn serves a program file on a store.
func startOn(t *testing.T, on dynamotest.Store, program []byte) *tally {
	t.Helper()
	return startOpts(t, on, program, nil)
}

// startOpts serves a program file on a store with options changed by set
// (nil: none).
func startOpts(t *testing.T, on dynamotest.Store, program []byte, set func(*devserver.Options)) *tally {
	t.Helper()
	x := &tally{t: t, now: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC), mail: &mailbox{}}
	o := devserver.Options{
		DynamoDBEndpoint: on.Endpoint(t), Table: dynamotest.NewTable(t, on.Client(t)),
		Now: x.clock, Mail: x.mail, ProgramYAML: program,
	}
	if set != nil {
		set(&o)
	}
	srv, err := devserver.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	x.srv = srv
	x.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(x.ts.Close)
	srv.SetPublicBaseURL(x.ts.URL)
	x.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return x
}

func (x *tally) clock() time.Time { x.mu.Lock(); defer x.mu.Unlock(); return x.now }
func (x *tally) tick()            { x.mu.Lock(); x.now = x.now.Add(time.Minute); x.mu.Unlock() }

// click follows a link as a phone would and returns the click token.
func (x *tally) click(path string) string {
	x.t.Helper()
	u := x.visit(path)
	tok := u.Query().Get("tally_click")
	if tok == "" {
		x.t.Fatalf("click %s: no token in %s", path, u)
	}
	x.tick()
	return tok
}

// webhook signs a body with the reference Standard Webhooks library.
func (x *tally) webhook(path, body string) map[string]any {
	x.t.Helper()
	wh, err := standardwebhooks.NewWebhook(x.srv.WebhookSecret)
	if err != nil {
		x.t.Fatal(err)
	}
	id := fmt.Sprintf("msg_%d", time.Now().UnixNano())
	sig, _ := wh.Sign(id, x.clock(), []byte(body))
	req, _ := http.NewRequest("POST", x.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", fmt.Sprint(x.clock().Unix()))
	req.Header.Set("webhook-signature", sig)
	resp, err := x.client.Do(req)
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	if resp.StatusCode != 200 {
		x.t.Fatalf("%s: %d %v", path, resp.StatusCode, m)
	}
	x.tick()
	return m
}

func (x *tally) at() string { return x.clock().Format(time.RFC3339) }

// report GETs a report with a key; accept picks the form.
func (x *tally) report(path, key, accept string) (int, http.Header, string) {
	x.t.Helper()
	req, _ := http.NewRequest("GET", x.ts.URL+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := x.client.Do(req)
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func (x *tally) json(path, key string, v any) {
	x.t.Helper()
	code, _, body := x.report(path, key, "application/json")
	if code != 200 {
		x.t.Fatalf("%s: %d %s", path, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		x.t.Fatalf("%s: %v", path, err)
	}
}

// workedExample plays SPEC section 6 through the dev server.
func workedExample(t *testing.T) *tally {
	x := start(t)
	// 1. Pat clicks bob's summit link and opts in with that click.
	patClick := x.click("/go/summit-2026/bob")
	oi := x.webhook("/webhooks/optins", fmt.Sprintf(`{"id":"optin-pat","occurred_at":%q,"event":"summit-2026","contact":{"email":"pat@example.org","name":"Pat"},"click":%q}`, x.at(), patClick))
	if oi["attributed_to"] != "bob" {
		t.Fatalf("opt-in: %v", oi)
	}
	// 2. Pat buys RET26-REC and SUM26-JANE-COURSE.
	o := x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"order-pat","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"pat@example.org"},"items":[{"sku":"RET26-REC","quantity":1,"unit_price_cents":9700},{"sku":"SUM26-JANE-COURSE","quantity":1,"unit_price_cents":20000}]}`, x.at()))
	if o["referred_by"] != "bob" || fmt.Sprint(o["commissions"]) != "[map[affiliate:jane amount_cents:10000 sku:SUM26-JANE-COURSE type:speaker]]" {
		t.Fatalf("Pat's order: %v", o)
	}
	// 3. Sam clicks jane's short summit link and buys with the click.
	l, _ := x.srv.Program.LinkFor("summit-2026", "jane")
	samClick := x.click("/s/" + l.Code)
	o = x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"order-sam","type":"order.paid","occurred_at":%q,"currency":"USD","contact":{"email":"sam@example.org"},"click":%q,"items":[{"sku":"SUM26-REC","quantity":1,"unit_price_cents":9700},{"sku":"RET26-TRN","quantity":1,"unit_price_cents":4700}]}`, x.at(), samClick))
	if o["referred_by"] != "jane" || len(o["commissions"].([]any)) != 2 {
		t.Fatalf("Sam's order: %v", o)
	}
	// 4. Sam's RET26-TRN is refunded.
	r := x.webhook("/webhooks/orders", fmt.Sprintf(`{"id":"refund-sam","type":"order.refunded","occurred_at":%q,"order_id":"order-sam","items":[{"sku":"RET26-TRN","quantity":1}]}`, x.at()))
	if fmt.Sprint(r["clawbacks"]) != "[map[affiliate:jane amount_cents:-2350 sku:RET26-TRN type:clawback]]" {
		t.Fatalf("refund: %v", r)
	}
	return x
}

func TestWorkedExampleEndToEnd(t *testing.T) {
	x := workedExample(t)
	const month = "?month=2026-11"

	var jl, bl struct {
		Affiliate string
		Totals    map[string]int64
		Entries   []map[string]any
	}
	x.json("/reports/ledger"+month, "dev-jane-key", &jl)
	x.json("/reports/ledger"+month, "dev-bob-key", &bl)
	if jl.Totals["earned_cents"] != 17200 || jl.Totals["clawbacks_cents"] != -2350 || jl.Totals["net_cents"] != 14850 || len(jl.Entries) != 4 {
		t.Errorf("jane's ledger: %+v", jl)
	}
	if bl.Totals["net_cents"] != 0 || len(bl.Entries) != 0 {
		t.Errorf("bob's ledger: %+v", bl)
	}
	for _, e := range jl.Entries {
		if e["type"] == "referral" && (e["via"] != "click" || e["link_event"] != "summit-2026") {
			t.Errorf("referral entry does not say why: %v", e)
		}
	}

	type links struct {
		Links  []map[string]any
		Totals map[string]int64
		Days   []map[string]any
	}
	var js, bs links
	x.json("/reports/link-stats"+month+"&by=day", "dev-jane-key", &js)
	x.json("/reports/link-stats"+month, "dev-bob-key", &bs)
	want := func(rows []map[string]any, event string, hits, optins, orders, revenue float64) {
		for _, r := range rows {
			if r["event"] == event {
				if r["hits"] != hits || r["opt_ins"] != optins || r["orders"] != orders || r["revenue_cents"] != revenue {
					t.Errorf("%s: %v", event, r)
				}
				return
			}
		}
		t.Errorf("no row for %s in %v", event, rows)
	}
	want(bs.Links, "summit-2026", 1, 1, 1, 29700)
	want(js.Links, "summit-2026", 1, 0, 1, 14400)
	want(js.Links, "retreat-2026", 0, 0, 0, 0)
	if len(js.Days) != 30*2 {
		t.Errorf("days: %d rows, want 60 (zero days included)", len(js.Days))
	}

	var jp, bp struct{ Products []map[string]any }
	x.json("/reports/products-sold"+month, "dev-jane-key", &jp)
	x.json("/reports/products-sold"+month, "dev-bob-key", &bp)
	got := map[string]string{}
	for _, p := range jp.Products {
		got[p["sku"].(string)+"/"+p["role"].(string)] = fmt.Sprint(p["quantity"], " ", p["revenue_cents"], " ", p["commission_cents"], " ", p["refunded_quantity"], " ", p["refunded_cents"])
	}
	for k, v := range map[string]string{"RET26-TRN/referral": "1 4700 2350 1 4700", "SUM26-REC/referral": "1 9700 4850 0 0", "SUM26-JANE-COURSE/speaker": "1 20000 10000 0 0"} {
		if got[k] != v {
			t.Errorf("jane's %s: %q, want %q", k, got[k], v)
		}
	}
	if len(jp.Products) != 3 || len(bp.Products) != 0 {
		t.Errorf("products: jane %v, bob %v", jp.Products, bp.Products)
	}

	var bc struct {
		Plan          string
		SpeakerRateBP int64 `json:"speaker_rate_bp"`
		Products      []map[string]any
	}
	x.json("/reports/commission-structure", "dev-bob-key", &bc)
	roles := map[string]string{}
	for _, p := range bc.Products {
		roles[p["sku"].(string)] = fmt.Sprint(p["role"], " ", p["rate_bp"], " ", p["commission_cents"])
	}
	if roles["SUM26-BOB-BOOK"] != "speaker 5000 1500" || roles["SUM26-REC"] != "referral 5000 4850" || roles["SUM26-JANE-COURSE"] != "referral 0 0" || len(roles) != 3 {
		t.Errorf("bob's structure: %v", roles)
	}

	var jk struct{ Links []map[string]any }
	x.json("/reports/links", "dev-jane-key", &jk)
	if len(jk.Links) != 2 || jk.Links[0]["url"] != x.ts.URL+"/go/summit-2026/jane" || !strings.HasPrefix(jk.Links[0]["short_url"].(string), x.ts.URL+"/s/") ||
		jk.Links[0]["destination"] != "https://example.com/summit" {
		t.Errorf("jane's links: %v", jk.Links)
	}

	// CSV: the same rows.
	code, h, csv := x.report("/reports/ledger"+month+"&format=csv", "dev-jane-key", "application/json")
	if code != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(h.Get("Content-Disposition"), `filename="tally-ledger-2026-11-01-2026-11-30.csv"`) {
		t.Fatalf("csv: %d %v", code, h)
	}
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "id,at,type,rule,via,link_event,order_id,sku,event,basis_cents,rate_bp,amount_cents") || !strings.Contains(csv, ",-2350,") {
		t.Errorf("csv:\n%s", csv)
	}
}
