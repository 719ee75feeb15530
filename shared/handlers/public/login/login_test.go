package login_test

import (
	"bytes"
	"context"
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

	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/handlers/public/login"
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

var mailLine = regexp.MustCompile(`mail to (\S+): .* (http\S+)`)

// links are the sign-in links mailed to an address, in order.
func (m *mailbox) links(to string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, l := range strings.Split(m.buf.String(), "\n") {
		if s := mailLine.FindStringSubmatch(l); s != nil && s[1] == to {
			out = append(out, s[2])
		}
	}
	return out
}

type env struct {
	srv  *devserver.Server
	ts   *httptest.Server
	mail *mailbox
	now  time.Time
	mu   sync.Mutex
}

func (e *env) clock() time.Time        { e.mu.Lock(); defer e.mu.Unlock(); return e.now }
func (e *env) advance(d time.Duration) { e.mu.Lock(); e.now = e.now.Add(d); e.mu.Unlock() }

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{mail: &mailbox{}, now: time.Now()}
	db := dynamotest.Client(t)
	srv, err := devserver.New(context.Background(), devserver.Options{
		DynamoDBEndpoint: dynamotest.Endpoint(t), Table: dynamotest.NewTable(t, db),
		Mail: e.mail, Now: e.clock, Log: nil,
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

func post(t *testing.T, c *http.Client, u string, vals url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, vals)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

var hidden = regexp.MustCompile(`name="(t|attempt)" value="([^"]+)"`)

func field(t *testing.T, page, name string) string {
	t.Helper()
	for _, m := range hidden.FindAllStringSubmatch(page, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	t.Fatalf("no %s field in page:\n%s", name, page)
	return ""
}

func TestSignInByLinkIsSingleUseAndGoesWhereAsked(t *testing.T) {
	e := newEnv(t)
	c := client()
	_, page := get(t, c, e.ts.URL+"/login?next=/reports/links")
	if !strings.Contains(page, `type="email" id="email" name="email"`) || !strings.Contains(page, `value="/reports/links"`) {
		t.Fatalf("login page:\n%s", page)
	}
	resp, page := post(t, c, e.ts.URL+"/login", url.Values{"email": {" Jane@Example.com "}, "next": {"/reports/links"}})
	if resp.StatusCode != 200 || !strings.Contains(page, "Check your email") {
		t.Fatalf("%d %s", resp.StatusCode, page)
	}
	links := e.mail.links("jane@example.com")
	if len(links) != 1 {
		t.Fatalf("mails: %v", links)
	}
	// Opening the link (as a mail scanner would) uses nothing.
	for i := 0; i < 2; i++ {
		resp, page = get(t, c, links[0])
		if resp.StatusCode != 200 || !strings.Contains(page, "Sign in as Jane Doe") {
			t.Fatalf("confirm page %d: %s", resp.StatusCode, page)
		}
	}
	resp, _ = post(t, c, e.ts.URL+"/login/link", url.Values{"t": {field(t, page, "t")}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reports/links" {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	ck := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"tally_session=", "HttpOnly", "Secure", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(ck, want) {
			t.Errorf("cookie %q lacks %s", ck, want)
		}
	}
	// Used: the link now offers a fresh one, keeping where it was going.
	resp, page = post(t, c, e.ts.URL+"/login/link", url.Values{"t": {field(t, page, "t")}})
	if resp.StatusCode != http.StatusGone || !strings.Contains(page, "Send a fresh link") || !strings.Contains(page, `value="/reports/links"`) {
		t.Fatalf("used link: %d %s", resp.StatusCode, page)
	}
}

func TestExpiredLinkAndUnknownAddress(t *testing.T) {
	e := newEnv(t)
	c := client()
	_, unknown := post(t, c, e.ts.URL+"/login", url.Values{"email": {"nobody@example.com"}})
	_, known := post(t, c, e.ts.URL+"/login", url.Values{"email": {"bob@example.com"}})
	if len(e.mail.links("nobody@example.com")) != 0 {
		t.Fatal("mailed an unknown address")
	}
	strip := regexp.MustCompile(`value="[0-9a-f]{32}"|nobody@example.com|bob@example.com`)
	if strip.ReplaceAllString(unknown, "") != strip.ReplaceAllString(known, "") {
		t.Error("the page differs for a known and an unknown address")
	}
	link := e.mail.links("bob@example.com")[0]
	e.advance(15*time.Minute + time.Second)
	resp, page := get(t, c, link)
	if resp.StatusCode != http.StatusGone || !strings.Contains(page, "Send a fresh link") {
		t.Fatalf("expired link: %d", resp.StatusCode)
	}
}

func TestSixthMailInAnHourIsNotSent(t *testing.T) {
	e := newEnv(t)
	c := client()
	for i := 0; i < 6; i++ {
		resp, _ := post(t, c, e.ts.URL+"/login", url.Values{"email": {"kim@example.com"}})
		if resp.StatusCode != 200 {
			t.Fatalf("try %d: %d", i, resp.StatusCode)
		}
	}
	if n := len(e.mail.links("kim@example.com")); n != 5 {
		t.Fatalf("%d mails sent, want 5", n)
	}
	e.advance(time.Hour)
	post(t, c, e.ts.URL+"/login", url.Values{"email": {"kim@example.com"}})
	if n := len(e.mail.links("kim@example.com")); n != 6 {
		t.Fatalf("next hour: %d mails, want 6", n)
	}
}

// Five wrong codes kill the code, never the link: anyone can ask to sign in
// as anyone and read the attempt id off the page, so guessing must not lock
// the affiliate out.
func TestWrongCodesKillTheCodeNeverTheLink(t *testing.T) {
	e := newEnv(t)
	attacker := client()
	_, page := post(t, attacker, e.ts.URL+"/login", url.Values{"email": {"jane@example.com"}, "next": {"/reports/links"}})
	attempt := field(t, page, "attempt")
	for i := 0; i < 4; i++ {
		resp, page := post(t, attacker, e.ts.URL+"/login/code", url.Values{"attempt": {attempt}, "code": {"00000000"}})
		if resp.StatusCode != 200 || !strings.Contains(page, fmt.Sprintf("%d tries left", 4-i)) {
			t.Fatalf("wrong code %d: %d %s", i, resp.StatusCode, page)
		}
	}
	for i := 0; i < 3; i++ {
		resp, page := post(t, attacker, e.ts.URL+"/login/code", url.Values{"attempt": {attempt}, "code": {"00000000"}})
		if resp.StatusCode != 200 || !strings.Contains(page, "this code no longer works. The link in the email still does") {
			t.Fatalf("code after five wrong tries: %d %s", resp.StatusCode, page)
		}
	}
	// The affiliate's link still signs in.
	victim := client()
	resp, page := get(t, victim, e.mail.links("jane@example.com")[0])
	if resp.StatusCode != 200 {
		t.Fatalf("link after guessing: %d", resp.StatusCode)
	}
	resp, _ = post(t, victim, e.ts.URL+"/login/link", url.Values{"t": {field(t, page, "t")}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reports/links" {
		t.Fatalf("sign-in by link after guessing: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// An unknown address gets a decoy sign-in: the same pages for the same
// requests, word for word, after the same reads and writes.
func TestUnknownAddressAnswersLikeAKnownOne(t *testing.T) {
	e := newEnv(t)
	strip := regexp.MustCompile(`[0-9a-f]{32}|nobody@example\.com|bob@example\.com`)
	var pages [2][]string
	var attempts [2]string
	for i, email := range []string{"bob@example.com", "nobody@example.com"} {
		c := client()
		start := time.Now()
		resp, page := post(t, c, e.ts.URL+"/login", url.Values{"email": {email}})
		if took := time.Since(start); took < login.AnswerFloor {
			t.Errorf("%s: answered in %v, under the floor of %v", email, took, login.AnswerFloor)
		}
		attempts[i] = field(t, page, "attempt")
		pages[i] = append(pages[i], fmt.Sprint(resp.StatusCode), strip.ReplaceAllString(page, ""))
		for try := 0; try < 6; try++ {
			resp, page := post(t, c, e.ts.URL+"/login/code", url.Values{"attempt": {attempts[i]}, "code": {fmt.Sprintf("%08d", try)}})
			pages[i] = append(pages[i], fmt.Sprint(resp.StatusCode), strip.ReplaceAllString(page, ""))
		}
	}
	for k := range pages[0] {
		if pages[0][k] != pages[1][k] {
			t.Errorf("answer %d differs:\nknown:   %.300s\nunknown: %.300s", k, pages[0][k], pages[1][k])
		}
	}
	if len(e.mail.links("nobody@example.com")) != 0 {
		t.Error("mailed an unknown address")
	}
	// The same work: both sign-ins are stored, the decoy naming nobody, and
	// both counted their wrong codes.
	for i, attempt := range attempts {
		l, err := e.srv.Store.GetLogin(context.Background(), attempt)
		if err != nil || l == nil {
			t.Fatalf("sign-in %d not stored: %v", i, err)
		}
		if l.Attempts != 5 || (l.Affiliate == "") != (i == 1) {
			t.Errorf("sign-in %d: %+v", i, l)
		}
	}
}

// Another site cannot make a browser post any sign-in form, nor sign out.
func TestOtherSitesCannotPost(t *testing.T) {
	e := newEnv(t)
	c := client()
	for _, path := range []string{"/login", "/login/link", "/login/code", "/logout"} {
		for name, h := range map[string]map[string]string{
			"origin":                 {"Origin": "https://evil.example"},
			"null origin":            {"Origin": "null"},
			"sec-fetch-site":         {"Sec-Fetch-Site": "cross-site"},
			"origin over fetch-site": {"Origin": "https://evil.example", "Sec-Fetch-Site": "same-origin"},
		} {
			req, _ := http.NewRequest("POST", e.ts.URL+path, strings.NewReader(url.Values{"email": {"jane@example.com"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range h {
				req.Header.Set(k, v)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s with %s: %d", path, name, resp.StatusCode)
			}
		}
	}
	if n := len(e.mail.links("jane@example.com")); n != 0 {
		t.Errorf("a refused form mailed %d links", n)
	}
	// This site's own forms pass.
	req, _ := http.NewRequest("POST", e.ts.URL+"/login", strings.NewReader("email=jane%40example.com"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(e.mail.links("jane@example.com")) != 1 {
		t.Errorf("same-origin sign-in: %d", resp.StatusCode)
	}
}

// The mailed link is built on the configured address, whatever Host the
// request names.
func TestMailLinksNeverFromHost(t *testing.T) {
	e := newEnv(t)
	for _, host := range []string{"evil.example", "evil.example:443", ""} {
		req, _ := http.NewRequest("POST", e.ts.URL+"/login", strings.NewReader("email=kim%40example.com"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-Host", "evil.example")
		if host != "" {
			req.Host = host
		}
		resp, err := client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	links := e.mail.links("kim@example.com")
	if len(links) != 3 {
		t.Fatalf("mails: %v", links)
	}
	for _, l := range links {
		if !strings.HasPrefix(l, e.ts.URL+"/login/link?t=") {
			t.Errorf("link %q is not on %s", l, e.ts.URL)
		}
	}
}

func TestNextCanOnlyBeALocalReportPage(t *testing.T) {
	e := newEnv(t)
	for _, next := range []string{"//evil.example", "https://evil.example", `/\evil.example`, "%2F%2Fevil.example", "/%2F%2Fevil.example"} {
		c := client()
		post(t, c, e.ts.URL+"/login", url.Values{"email": {"bob@example.com"}, "next": {next}})
		links := e.mail.links("bob@example.com")
		_, page := get(t, c, links[len(links)-1])
		resp, _ := post(t, c, e.ts.URL+"/login/link", url.Values{"t": {field(t, page, "t")}})
		if loc := resp.Header.Get("Location"); loc != "/reports/ledger" {
			t.Errorf("next %q led to %q", next, loc)
		}
	}
}

// Signing out needs the page's form token: the form carries it, a request
// without it is refused and leaves the session working.
func TestLogoutNeedsTheFormToken(t *testing.T) {
	e := newEnv(t)
	c := client()
	_, page := post(t, c, e.ts.URL+"/login", url.Values{"email": {"jane@example.com"}})
	_, page = get(t, c, e.mail.links("jane@example.com")[0])
	resp, _ := post(t, c, e.ts.URL+"/login/link", url.Values{"t": {field(t, page, "t")}})
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "tally_session" {
			cookie = ck
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie")
	}
	send := func(method, path string, body url.Values) (int, string) {
		req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "text/html")
		req.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	code, ledger := send("GET", "/reports/ledger", nil)
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(ledger)
	if code != 200 || token == nil || len(token[1]) < 40 {
		t.Fatalf("ledger page %d has no form token", code)
	}
	flipped := []byte(token[1])
	flipped[0] ^= 1
	for _, bad := range []string{"", "x", string(flipped)} {
		if code, _ := send("POST", "/logout", url.Values{"csrf": {bad}}); code != http.StatusForbidden {
			t.Errorf("logout with token %q: %d", bad, code)
		}
	}
	if code, _ := send("GET", "/reports/ledger", nil); code != 200 {
		t.Fatalf("a refused logout ended the session: %d", code)
	}
	if code, _ := send("POST", "/logout", url.Values{"csrf": {token[1]}}); code != http.StatusSeeOther {
		t.Fatalf("logout with the token: %d", code)
	}
	if code, _ := send("GET", "/reports/ledger", nil); code != http.StatusSeeOther {
		t.Errorf("session still works after logout: %d", code)
	}
}

func TestLogoutClearsTheCookie(t *testing.T) {
	e := newEnv(t)
	c := client()
	resp, _ := post(t, c, e.ts.URL+"/logout", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" || !strings.Contains(resp.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d %v", resp.StatusCode, resp.Header)
	}
}
