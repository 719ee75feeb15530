package join_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/handlers/public/join"
)

// mailbox collects what the dev server prints as mail.
type mailbox struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (m *mailbox) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.buf.Write(p)
}

var mailLine = regexp.MustCompile(`mail to (\S+): (.*)`)

// to is every mail printed to an address: its subject and link.
func (m *mailbox) to(addr string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, l := range strings.Split(m.buf.String(), "\n") {
		if s := mailLine.FindStringSubmatch(l); s != nil && s[1] == addr {
			out = append(out, s[2])
		}
	}
	return out
}

var linkRE = regexp.MustCompile(`(http\S+)$`)

// link is the link of the last mail to addr with subject.
func (m *mailbox) link(t *testing.T, addr, subject string) string {
	t.Helper()
	ms := m.to(addr)
	for i := len(ms) - 1; i >= 0; i-- {
		if strings.HasPrefix(ms[i], subject) {
			if l := linkRE.FindString(ms[i]); l != "" {
				return l
			}
		}
	}
	t.Fatalf("no mail %q to %s; mails: %q", subject, addr, ms)
	return ""
}

type env struct {
	srv  *devserver.Server
	ts   *httptest.Server
	mail *mailbox
}

// newEnv serves the demo program, its signup set to mode.
func newEnv(t *testing.T, mode string) *env {
	t.Helper()
	join.AnswerFloor = 0
	prog := strings.Replace(string(demo.YAML), "signup: approval", "signup: "+mode, 1)
	e := &env{mail: &mailbox{}}
	db := dynamotest.Client(t)
	srv, err := devserver.New(context.Background(), devserver.Options{
		DynamoDBEndpoint: dynamotest.Endpoint(t), Table: dynamotest.NewTable(t, db),
		ProgramYAML: []byte(prog), Mail: e.mail, Now: time.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	e.srv = srv
	e.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(e.ts.Close)
	srv.SetPublicBaseURL(e.ts.URL)
	return e
}

func client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept", "text/html")
	return do(t, c, req)
}

func post(t *testing.T, c *http.Client, u string, vals url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	return do(t, c, req)
}

func owner(t *testing.T, e *env, method, path, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer dev-owner-key")
	req.Header.Set("Content-Type", "application/json")
	return do(t, client(), req)
}

func signup(name, email string) url.Values {
	return url.Values{"name": {name}, "email": {email}, "payout_email": {""}, "website": {"A newsletter on sleep, 8k readers"},
		"terms": {"yes"}, "ref": {""}, "event": {""}, join.Honeypot: {""}}
}

var tokenField = regexp.MustCompile(`name="t" value="([^"]+)"`)

// confirm opens a confirmation link as a person does: the page, then its button.
func confirm(t *testing.T, c *http.Client, link string) (*http.Response, string) {
	t.Helper()
	resp, page := get(t, c, link)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Confirm my address") {
		t.Fatalf("confirmation page: %d\n%s", resp.StatusCode, page)
	}
	m := tokenField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no token on the confirmation page:\n%s", page)
	}
	u, _ := url.Parse(link)
	return post(t, c, u.Scheme+"://"+u.Host+"/join/confirm", url.Values{"t": {m[1]}})
}

// signIn follows a welcome mail's sign-in link (page, then button) and
// answers the client that holds the session.
func signIn(t *testing.T, link string) *http.Client {
	t.Helper()
	c := client()
	_, page := get(t, c, link)
	m := tokenField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no sign-in button behind the welcome link:\n%s", page)
	}
	u, _ := url.Parse(link)
	resp, _ := post(t, c, u.Scheme+"://"+u.Host+"/login/link", url.Values{"t": {m[1]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in by the welcome link: %d", resp.StatusCode)
	}
	return c
}

func affiliateCodes(t *testing.T, e *env) map[string]string {
	t.Helper()
	p, _, err := e.srv.Store.LoadProgram(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range p.Affiliates {
		out[strings.ToLower(a.Email)] = a.Code
	}
	return out
}

func TestOpenSignupMakesTheAffiliateOnlyWhenTheButtonIsPressed(t *testing.T) {
	e := newEnv(t, "open")
	c := client()
	resp, page := get(t, c, e.ts.URL+"/join?ref=jane")
	if resp.StatusCode != 200 || !strings.Contains(page, `name="`+join.Honeypot+`"`) || !strings.Contains(page, "Invited by <strong>Jane Doe</strong>") {
		t.Fatalf("GET /join: %d\n%s", resp.StatusCode, page)
	}
	if strings.Contains(page, `type="hidden" name="`+join.Honeypot) {
		t.Error("the field no person fills is type=hidden: bots skip those")
	}
	vals := signup("Zoë O'Brien", "zoe@example.org")
	vals.Set("ref", "jane")
	resp, page = post(t, c, e.ts.URL+"/join", vals)
	if resp.StatusCode != 200 || !strings.Contains(page, "Check your email") {
		t.Fatalf("POST /join: %d\n%s", resp.StatusCode, page)
	}
	link := e.mail.link(t, "zoe@example.org", "Confirm your affiliate signup")

	// A mail scanner opens the link: it sees a button and confirms nothing.
	for range 2 {
		if r, _ := get(t, client(), link); r.StatusCode != 200 {
			t.Fatalf("scanner's GET: %d", r.StatusCode)
		}
	}
	if code, ok := affiliateCodes(t, e)["zoe@example.org"]; ok {
		t.Fatalf("a GET of the link made affiliate %q", code)
	}
	resp, page = confirm(t, c, link)
	if resp.StatusCode != 200 || !strings.Contains(page, "You are in") {
		t.Fatalf("confirm: %d\n%s", resp.StatusCode, page)
	}
	code := affiliateCodes(t, e)["zoe@example.org"]
	if code != "zoe-o-brien" {
		t.Fatalf("code %q, want one made from the name: zoe-o-brien", code)
	}
	a, _, err := e.srv.Store.GetAffiliate(context.Background(), code)
	if err != nil || a == nil {
		t.Fatal(a, err)
	}
	if a.Origin != "signup" || a.Plan != "standard" || a.RecruitedBy != "jane" || len(a.Events) != 3 {
		t.Errorf("affiliate %+v: want origin signup, plan standard, recruited by jane, every open event", a)
	}
	// The link works once.
	lu, _ := url.Parse(link)
	if r, _ := post(t, client(), e.ts.URL+"/join/confirm", url.Values{"t": {lu.Query().Get("t")}}); r.StatusCode != http.StatusGone {
		t.Errorf("the link used again: %d, want 410", r.StatusCode)
	}
	// The welcome mail signs them in.
	welcome := e.mail.link(t, "zoe@example.org", "Welcome: your affiliate links")
	s := signIn(t, welcome)
	if r, page := get(t, s, e.ts.URL+"/reports/links"); r.StatusCode != 200 || !strings.Contains(page, "/go/summit-2026/zoe-o-brien") {
		t.Errorf("the new affiliate's links page: %d", r.StatusCode)
	}

	// Another Zoë O'Brien, from one event's page, gets a code of her own
	// and that event only.
	if r, page := get(t, client(), e.ts.URL+"/join/retreat-2026"); r.StatusCode != 200 || !strings.Contains(page, "Sleep Retreat 2026") {
		t.Errorf("GET /join/retreat-2026: %d", r.StatusCode)
	}
	second := signup("Zoë O'Brien", "zoe2@example.org")
	second.Set("event", "retreat-2026")
	post(t, client(), e.ts.URL+"/join", second)
	confirm(t, client(), e.mail.link(t, "zoe2@example.org", "Confirm your affiliate signup"))
	if code := affiliateCodes(t, e)["zoe2@example.org"]; code != "zoe-o-brien-2" {
		t.Errorf("second code %q, want zoe-o-brien-2", code)
	} else if a, _, _ := e.srv.Store.GetAffiliate(context.Background(), code); a == nil || len(a.Events) != 1 || a.Events[0] != "retreat-2026" || a.RecruitedBy != "" {
		t.Errorf("joined from /join/retreat-2026: %+v", a)
	}
}

func TestASignupAnswersTheSameWhateverTheAddress(t *testing.T) {
	e := newEnv(t, "approval")
	answer := func(email string) string {
		resp, page := post(t, client(), e.ts.URL+"/join", signup("Some One", email))
		if resp.StatusCode != 200 {
			t.Fatalf("POST /join for %s: %d", email, resp.StatusCode)
		}
		return strings.ReplaceAll(page, email, "ADDRESS")
	}
	fresh := answer("new@example.org")
	for _, known := range []string{"jane@example.com", "accounts@example.com"} {
		if got := answer(known); got != fresh {
			t.Errorf("the answer for %s differs from a new address's", known)
		}
		if ms := e.mail.to(known); len(ms) != 0 {
			t.Errorf("a signup mailed %s, who is already in: %q", known, ms)
		}
	}
	// An applicant's second signup tells nothing and mails nothing.
	confirm(t, client(), e.mail.link(t, "new@example.org", "Confirm your affiliate signup"))
	before := len(e.mail.to("new@example.org"))
	if got := answer("new@example.org"); got != fresh {
		t.Error("a second signup for the same address answers differently")
	}
	if n := len(e.mail.to("new@example.org")); n != before {
		t.Errorf("a second signup for an applicant's address mailed it (%d mails, was %d)", n, before)
	}
}

func TestApplicantsWaitForTheOwnerAndHaveNoWayIn(t *testing.T) {
	e := newEnv(t, "approval")
	post(t, client(), e.ts.URL+"/join", signup("Ann Applicant", "ann@example.org"))
	post(t, client(), e.ts.URL+"/join", signup("Dan Declined", "dan@example.org"))
	_, page := confirm(t, client(), e.mail.link(t, "ann@example.org", "Confirm your affiliate signup"))
	if !strings.Contains(page, "Application received") {
		t.Fatalf("after confirming an approval signup:\n%s", page)
	}
	confirm(t, client(), e.mail.link(t, "dan@example.org", "Confirm your affiliate signup"))
	if _, ok := affiliateCodes(t, e)["ann@example.org"]; ok {
		t.Fatal("an applicant became an affiliate before approval")
	}

	resp, body := owner(t, e, "GET", "/admin/applicants", "")
	var list struct {
		Applicants []map[string]string `json:"applicants"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || resp.StatusCode != 200 || len(list.Applicants) != 2 {
		t.Fatalf("GET /admin/applicants: %d %s", resp.StatusCode, body)
	}
	ids := map[string]string{}
	for _, a := range list.Applicants {
		ids[a["email"]] = a["id"]
		if a["status"] != "pending" || a["website"] != "A newsletter on sleep, 8k readers" || a["applied_at"] == "" {
			t.Errorf("applicant %v", a)
		}
	}

	// An applicant has no session: sign-in mails them nothing.
	post(t, client(), e.ts.URL+"/login", url.Values{"email": {"ann@example.org"}})
	for _, m := range e.mail.to("ann@example.org") {
		if strings.Contains(m, "sign-in") {
			t.Errorf("an applicant was mailed a sign-in: %s", m)
		}
	}

	resp, body = owner(t, e, "POST", "/admin/applicants/"+ids["dan@example.org"]+"/decline", `{"reason":"Not this season."}`)
	if resp.StatusCode != 200 {
		t.Fatalf("decline: %d %s", resp.StatusCode, body)
	}
	if ms := e.mail.to("dan@example.org"); !strings.HasPrefix(ms[len(ms)-1], "Your affiliate application") {
		t.Errorf("no decline mail: %q", ms)
	}
	// A declined person cannot sign in, and signing up again mails nothing.
	n := len(e.mail.to("dan@example.org"))
	post(t, client(), e.ts.URL+"/login", url.Values{"email": {"dan@example.org"}})
	post(t, client(), e.ts.URL+"/join", signup("Dan Declined", "dan@example.org"))
	if got := len(e.mail.to("dan@example.org")); got != n {
		t.Errorf("a declined person was mailed again: %q", e.mail.to("dan@example.org")[n:])
	}
	if r, _ := owner(t, e, "POST", "/admin/applicants/"+ids["dan@example.org"]+"/approve", `{}`); r.StatusCode != http.StatusConflict {
		t.Errorf("approving a declined applicant: %d, want 409", r.StatusCode)
	}

	// A refused approval changes nothing: the applicant still waits.
	if r, body := owner(t, e, "POST", "/admin/applicants/"+ids["ann@example.org"]+"/approve", `{"plan":"gold"}`); r.StatusCode != http.StatusBadRequest || !strings.Contains(body, "unknown plan") {
		t.Errorf("approve with an unknown plan: %d %s", r.StatusCode, body)
	}
	if r, body := owner(t, e, "POST", "/admin/applicants/"+ids["ann@example.org"]+"/approve", `{"code":"jane"}`); r.StatusCode != http.StatusConflict || !strings.Contains(body, "code_taken") {
		t.Errorf("approve with a taken code: %d %s", r.StatusCode, body)
	}
	if _, ok := affiliateCodes(t, e)["ann@example.org"]; ok {
		t.Fatal("a refused approval made the affiliate")
	}
	resp, body = owner(t, e, "POST", "/admin/applicants/"+ids["ann@example.org"]+"/approve", `{"plan":"partner","events":["summit-2026"],"code":"ann","recruited_by":"bob"}`)
	if resp.StatusCode != 200 || strings.TrimSpace(body) != `{"affiliate":"ann"}` {
		t.Fatalf("approve: %d %s", resp.StatusCode, body)
	}
	a, _, _ := e.srv.Store.GetAffiliate(context.Background(), "ann")
	if a == nil || a.Plan != "partner" || len(a.Events) != 1 || a.Origin != "signup" || a.RecruitedBy != "bob" {
		t.Fatalf("approved affiliate %+v", a)
	}
	s := signIn(t, e.mail.link(t, "ann@example.org", "Welcome: your affiliate links"))
	if r, _ := get(t, s, e.ts.URL+"/reports/ledger"); r.StatusCode != 200 {
		t.Errorf("the approved affiliate's ledger: %d", r.StatusCode)
	}
	if r, _ := owner(t, e, "POST", "/admin/applicants/"+ids["ann@example.org"]+"/approve", `{}`); r.StatusCode != http.StatusConflict {
		t.Errorf("approving twice: %d, want 409", r.StatusCode)
	}
	_, body = owner(t, e, "GET", "/admin/applicants", "")
	if strings.Contains(body, "ann@example.org") {
		t.Error("an approved applicant is still listed")
	}
}

func TestSignupRefusals(t *testing.T) {
	e := newEnv(t, "approval")
	// Another site cannot post it.
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/join", strings.NewReader(signup("Eve", "eve@example.org").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if r, _ := do(t, client(), req); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST /join: %d, want 403", r.StatusCode)
	}
	// A bot that fills the field no person sees gets the same answer, and no mail.
	bot := signup("Bot", "bot@example.org")
	bot.Set(join.Honeypot, "https://spam.example")
	if r, page := post(t, client(), e.ts.URL+"/join", bot); r.StatusCode != 200 || !strings.Contains(page, "Check your email") {
		t.Errorf("honeypot: %d", r.StatusCode)
	}
	if ms := e.mail.to("bot@example.org"); len(ms) != 0 {
		t.Errorf("a bot was mailed: %q", ms)
	}
	// Bad fields: 400, the form again with what is wrong, nothing mailed.
	long := signup("Lo Ng", "long@example.org")
	long.Set("website", strings.Repeat("x", 501))
	if r, page := post(t, client(), e.ts.URL+"/join", long); r.StatusCode != 400 || !strings.Contains(page, "At most 500 characters") {
		t.Errorf("a 501-character website: %d", r.StatusCode)
	}
	noTerms := signup("No Terms", "noterms@example.org")
	noTerms.Del("terms")
	if r, page := post(t, client(), e.ts.URL+"/join", noTerms); r.StatusCode != 400 || !strings.Contains(page, "Accept the terms") {
		t.Errorf("terms not accepted: %d", r.StatusCode)
	}
	if len(e.mail.to("long@example.org"))+len(e.mail.to("noterms@example.org")) != 0 {
		t.Error("a refused form was mailed")
	}
	// At most PerAddressByHour mails to one address an hour.
	for range join.PerAddressByHour + 2 {
		post(t, client(), e.ts.URL+"/join", signup("Rate Limited", "rate@example.org"))
	}
	if n := len(e.mail.to("rate@example.org")); n != join.PerAddressByHour {
		t.Errorf("%d mails to one address in an hour, want %d", n, join.PerAddressByHour)
	}
	// At most PerSourceByHour signups from one sender an hour.
	for i := range join.PerSourceByHour {
		post(t, client(), e.ts.URL+"/join", signup("Many", "many"+strings.Repeat("x", i)+"@example.org"))
	}
	if ms := e.mail.to("last@example.org"); len(ms) != 0 {
		t.Fatal("setup")
	}
	post(t, client(), e.ts.URL+"/join", signup("Last", "last@example.org"))
	if ms := e.mail.to("last@example.org"); len(ms) != 0 {
		t.Errorf("a sender over its hourly limit was mailed: %q", ms)
	}
}

func TestClosedSignupHasNoForm(t *testing.T) {
	e := newEnv(t, "closed")
	for _, path := range []string{"/join", "/join/summit-2026"} {
		if r, page := get(t, client(), e.ts.URL+path); r.StatusCode != 404 || !strings.Contains(page, "Signup is closed") {
			t.Errorf("GET %s: %d", path, r.StatusCode)
		}
	}
	if r, _ := post(t, client(), e.ts.URL+"/join", signup("Closed", "closed@example.org")); r.StatusCode != 404 {
		t.Errorf("POST /join when closed: %d", r.StatusCode)
	}
	if ms := e.mail.to("closed@example.org"); len(ms) != 0 {
		t.Errorf("mailed while closed: %q", ms)
	}
}

// What a signup leaves in the table is short-lived (a ttl on every item
// it writes before confirmation) and holds no IP address.
func TestASignupLeavesNoIPAndExpires(t *testing.T) {
	e := newEnv(t, "approval")
	db := dynamotest.Client(t)
	before := scan(t, db, e.srv.Store.Table)
	post(t, client(), e.ts.URL+"/join", signup("Tess Ttl", "tess@example.org"))
	post(t, client(), e.ts.URL+"/join", signup("Jane Again", "jane@example.com")) // a decoy
	n := 0
	for k, item := range scan(t, db, e.srv.Store.Table) {
		if _, old := before[k]; old {
			continue
		}
		n++
		if !strings.HasPrefix(k, "SIGNUP#") && !strings.HasPrefix(k, "JOINRATE#") {
			t.Errorf("a signup wrote %s", k)
		}
		if !strings.Contains(item, `"ttl"`) {
			t.Errorf("%s has no ttl: %s", k, item)
		}
		if strings.Contains(item, "127.0.0.1") {
			t.Errorf("%s holds the sender's IP: %s", k, item)
		}
	}
	if n != 2+3 { // two signups; per address twice, per sender once
		t.Errorf("%d new items, want 5", n)
	}
}

// scan is every item of a table by key, as text (tests only).
func scan(t *testing.T, db *dynamodb.Client, table string) map[string]string {
	t.Helper()
	out := map[string]string{}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			var m map[string]any
			if err := attributevalue.UnmarshalMap(it, &m); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(m)
			out[fmt.Sprint(m["PK"], "|", m["SK"])] = string(b)
		}
	}
	return out
}
