package devserver_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/program"
)

// Every answer of every route, JSON, CSV, pages, redirects and errors
// alike, tells the browser not to guess its type.
func TestEveryAnswerIsNosniff(t *testing.T) {
	x := workedExample(t)
	jane := signIn(t, x, "jane@example.com")
	seen := map[int]bool{}
	for _, r := range x.srv.Routes {
		path := strings.NewReplacer("{event}", "summit-2026", "{affiliate}", "jane", "{code}", "nope",
			"{id}", "nope", "{name}", "nope.css", "{item}", "nope").Replace(r.Path)
		for _, v := range []struct{ key, accept, query, body string }{
			{"", "application/json", "", "{}"},
			{"", "text/html", "", "not json"},
			{"dev-jane-key", "", "", "{}"},
			{"dev-jane-key", "", "?format=csv", ""},
			{"dev-owner-key", "application/json", "?format=csv", `{"as_of": "nope"}`},
			{"wrong-key", "", "", ""},
		} {
			req, _ := http.NewRequest(r.Method, x.ts.URL+path+v.query, strings.NewReader(v.body))
			if v.key != "" {
				req.Header.Set("Authorization", "Bearer "+v.key)
			}
			req.Header.Set("Accept", v.accept)
			req.Header.Set("User-Agent", iPhone)
			resp, err := x.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			seen[resp.StatusCode] = true
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s %s%s (%s): %d %s without nosniff", r.Method, path, v.query, v.key, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
		// A signed-in browser's page too.
		if r.Method == "GET" && strings.HasPrefix(r.Path, "/reports/") {
			req, _ := http.NewRequest("GET", x.ts.URL+path, nil)
			req.Header.Set("Accept", "text/html")
			resp, err := jane.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("page %s: %d without nosniff", path, resp.StatusCode)
			}
		}
	}
	for _, status := range []int{200, 302, 303, 400, 401, 403, 404} {
		if !seen[status] {
			t.Errorf("no %d answer was checked", status)
		}
	}
}

// Over https the session cookie is __Host-tally_session, and only it is
// read: a cookie under the old name (which a sibling subdomain could plant,
// signing the visitor in to the planter's account) is not a session.
func TestSessionCookieOverHTTPS(t *testing.T) {
	x := &tally{t: t, mail: &mailbox{}}
	srv, err := devserver.New(context.Background(), devserver.Options{
		DynamoDBEndpoint: dynamotest.Endpoint(t), Table: dynamotest.NewTable(t, dynamotest.Client(t)), Mail: x.mail,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewTLSServer(srv.Handler())
	t.Cleanup(ts.Close)
	srv.SetPublicBaseURL(ts.URL)
	c := ts.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Transport.(*http.Transport).TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the test server's own certificate
	if _, err := c.PostForm(ts.URL+"/login", url.Values{"email": {"jane@example.com"}}); err != nil {
		t.Fatal(err)
	}
	link, _ := url.Parse(x.mail.lastLink("jane@example.com"))
	if link.Scheme != "https" {
		t.Fatalf("link %s", link)
	}
	resp, err := c.PostForm(ts.URL+"/login/link", url.Values{"t": {link.Query().Get("t")}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var value string
	for _, ck := range resp.Cookies() {
		if ck.Name == "__Host-tally_session" && ck.Secure && ck.Path == "/" && ck.Domain == "" && ck.HttpOnly {
			value = ck.Value
		}
	}
	if value == "" {
		t.Fatalf("no __Host-tally_session cookie: %v", resp.Header.Values("Set-Cookie"))
	}
	for name, want := range map[string]int{"__Host-tally_session": 200, "tally_session": 303} {
		jar, _ := cookiejar.New(nil)
		u, _ := url.Parse(ts.URL)
		jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
		c.Jar = jar
		req, _ := http.NewRequest("GET", ts.URL+"/reports/ledger", nil)
		req.Header.Set("Accept", "text/html")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("session under %s over https: %d, want %d", name, resp.StatusCode, want)
		}
	}
}

// An owner removed from the program file loses every way in at once (SPEC
// 14): their session and a key issued to them by the CLI can no longer post
// an adjustment, on the payout routes or on the outgoing webhooks' routes,
// and nothing is written.
func TestRemovedOwnerCanNoLongerAct(t *testing.T) {
	x := dashboard(t)
	ctx := context.Background()
	own := signIn(t, x, "accounts@example.com")
	const cliKey = "tly_issued-to-accounts-before-removal"
	if err := x.srv.Store.IssueAPIKey(ctx, cliKey, store.RoleOwner, "Accounts", x.clock()); err != nil {
		t.Fatal(err)
	}
	adjust := func(key, id string) int {
		code, _ := x.call("POST", "/admin/adjustments", key, "", `{"id":"`+id+`","affiliate":"jane","amount_cents":50000,"reason":"bonus"}`)
		return code
	}
	adjustByForm := func(id string) int {
		_, pg := page(t, x, own, "/admin/affiliates/jane")
		f := formFields(pg)
		f.Set("id", id)
		f.Set("affiliate", "jane")
		f.Set("amount", "500")
		f.Set("reason", "bonus")
		code, _ := post(t, x, own, "/admin/adjustments", f, nil)
		return code
	}
	resend := func(key string) int {
		code, _ := x.call("POST", "/admin/webhooks/failed", key, "", `{}`)
		return code
	}
	// While in the program, both work.
	if code := adjust(cliKey, "before-key"); code != 201 {
		t.Fatalf("owner's key before removal: %d", code)
	}
	if code := adjustByForm("before-session"); code != 303 {
		t.Fatalf("owner's session before removal: %d", code)
	}
	if code := resend(cliKey); code != 200 {
		t.Fatalf("resend before removal: %d", code)
	}

	src := string(demo.YAML)
	i := strings.Index(src, "owners:\n")
	j := strings.Index(src[i:], "    api_key: dev-owner-key\n")
	if i < 0 || j < 0 {
		t.Fatal("no Accounts owner in the demo program")
	}
	without, err := program.Parse([]byte(src[:i] + "owners:\n  - name: Books\n    api_key: dev-books-key\n" + src[i+j+len("    api_key: dev-owner-key\n"):]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.srv.Store.SaveProgram(ctx, without, x.clock()); err != nil {
		t.Fatal(err)
	}
	x.srv.Deps.ProgramChanged()

	if code := adjust(cliKey, "after-key"); code != 401 {
		t.Errorf("removed owner's key on /admin/adjustments: %d, want 401", code)
	}
	if code := adjustByForm("after-session"); code == 303 || code < 400 {
		t.Errorf("removed owner's session on /admin/adjustments: %d", code)
	}
	if code := resend(cliKey); code != 401 {
		t.Errorf("removed owner's key on POST /admin/webhooks/failed: %d, want 401", code)
	}
	if code := sessionJSON(t, x, own, "/admin/webhooks/failed", nil); code != 401 {
		t.Errorf("removed owner's session on GET /admin/webhooks/failed: %d, want 401", code)
	}
	if code, body := page(t, x, own, "/admin"); code != 303 && code != 200 || strings.Contains(body, "Overview") {
		t.Errorf("removed owner's session on /admin: %d", code)
	}
	for _, id := range []string{"after-key", "after-session"} {
		if a, err := x.srv.Store.GetAdjustment(ctx, id); err != nil || a != nil {
			t.Errorf("adjustment %s written after the owner's removal (%v)", id, err)
		}
	}
	// The owner who is in the program still works.
	if code := adjust("dev-books-key", "by-books"); code != 201 {
		t.Errorf("current owner: %d", code)
	}
}
