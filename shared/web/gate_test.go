package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web/apigw"
)

type programs struct{ p *program.Program }

func (s programs) Get(context.Context) (*program.Program, error) { return s.p, nil }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func site(formats func(apigw.Request) Format) Site {
	return Site{Programs: programs{&program.Program{Owners: []program.Owner{{Name: "ann"}}}}, Log: quiet, Formats: formats}
}

// who is what the authorizer passes on.
func who(role, subject, auth, token string) map[string]any {
	return map[string]any{"role": role, "subject": subject, "auth": auth, "form_token": token}
}

func request(method string, headers map[string]string, body string, lambda map[string]any) apigw.Request {
	req := apigw.Request{Headers: headers, Body: body, RawPath: "/admin/payouts"}
	req.RequestContext.HTTP.Method = method
	req.RequestContext.DomainName = "tally.example"
	if lambda != nil {
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: lambda}
	}
	return req
}

// seen is the request a handler got, or nil when the gate answered.
func serve(t *testing.T, gate func(Handler) apigw.Handler, req apigw.Request) (apigw.Response, *Request) {
	t.Helper()
	var got *Request
	resp, err := gate(func(_ context.Context, r *Request) (apigw.Response, error) {
		got = r
		return apigw.JSON(200, "ok"), nil
	})(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, got
}

const form = "application/x-www-form-urlencoded"

func TestOwnerGate(t *testing.T) {
	owner := who("owner", "ann", "ok", "tok")
	removed := who("owner", "bob", "ok", "tok")
	affiliate := who("affiliate", "jane", "ok", "tok")
	browser := map[string]string{"accept": "text/html"}
	same := map[string]string{"origin": "https://tally.example", "content-type": form}
	for _, c := range []struct {
		name     string
		req      apigw.Request
		status   int
		location string // a redirect's
		passed   bool
		format   Format
		formed   bool // the handler got a checked form
	}{
		{"an owner's session reads a page", request("GET", browser, "", owner), 200, "", true, Page, false},
		{"an owner's key reads JSON", request("GET", map[string]string{"authorization": "Bearer k"}, "", owner), 200, "", true, JSON, false},
		{"no one signed in, in a browser: sign in and come back", request("GET", browser, "", nil), 303, "/login?next=%2Fadmin%2Fpayouts", false, "", false},
		{"no one signed in, a script: 401", request("GET", nil, "", nil), 401, "", false, "", false},
		{"an owner removed from the program signs in again", request("GET", browser, "", removed), 303, "/login?next=%2Fadmin%2Fpayouts", false, "", false},
		{"an owner removed from the program, a key: 401", request("GET", map[string]string{"authorization": "Bearer k"}, "", removed), 401, "", false, "", false},
		{"an affiliate's session on an owner's page: the page saying so", request("GET", browser, "", affiliate), 403, "", false, "", false},
		{"an affiliate's key: 403 JSON", request("GET", map[string]string{"authorization": "Bearer k"}, "", affiliate), 403, "", false, "", false},
		{"a form from another site is refused before anyone is looked up", request("POST", map[string]string{"origin": "https://evil.example", "content-type": form}, "csrf=tok", owner), 403, "", false, "", false},
		{"a form without the session's token", request("POST", same, "x=1", owner), 403, "", false, "", false},
		{"a form with another session's token", request("POST", same, "csrf=other", owner), 403, "", false, "", false},
		{"a form not said to be a form", request("POST", map[string]string{"origin": "https://tally.example"}, "csrf=tok", owner), 403, "", false, "", false},
		{"a form over 16 KB", request("POST", same, "csrf=tok&x="+strings.Repeat("a", 16<<10), owner), 403, "", false, "", false},
		{"a form with the session's token is answered as a page", request("POST", same, "csrf=tok&reason=r", owner), 200, "", true, Page, true},
		{"a key's POST has no form and answers JSON", request("POST", map[string]string{"authorization": "Bearer k", "accept": "text/html"}, "{}", owner), 200, "", true, JSON, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, got := serve(t, site(nil).Owner, c.req)
			if resp.StatusCode != c.status || resp.Headers["Location"] != c.location || (got != nil) != c.passed {
				t.Fatalf("status %d, location %q, passed %v: %s", resp.StatusCode, resp.Headers["Location"], got != nil, resp.Body)
			}
			if got != nil && (got.Format != c.format || (got.Form != nil) != c.formed || got.Who != "ann" || got.Program == nil) {
				t.Errorf("handler got format %s, form %v, who %q", got.Format, got.Form, got.Who)
			}
		})
	}
}

func TestAffiliateGate(t *testing.T) {
	jane := who("affiliate", "jane", "ok", "tok")
	same := map[string]string{"origin": "https://tally.example", "accept": "text/html"}
	for _, c := range []struct {
		name   string
		req    apigw.Request
		status int
		passed bool
	}{
		{"the affiliate the authorizer found", request("GET", nil, "", jane), 200, true},
		{"an owner's key: 403", request("GET", nil, "", who("owner", "ann", "ok", "")), 403, false},
		{"a browser without a session signs in", request("GET", map[string]string{"accept": "text/html"}, "", nil), 303, false},
		{"a form from another site", request("POST", map[string]string{"origin": "https://evil.example"}, "csrf=tok", jane), 403, false},
		{"a browser's form without a session is the JSON error, not a sign-in", request("POST", same, "csrf=tok", nil), 401, false},
		{"a form with the session's token", request("POST", same, "csrf=tok&mail=on", jane), 200, true},
		{"a form with another token", request("POST", same, "csrf=old&mail=on", jane), 403, false},
		{"a form over 4 KB", request("POST", same, "csrf=tok&x="+strings.Repeat("a", 4<<10), jane), 403, false},
		{"a key has no form token", request("POST", same, "csrf=&mail=on", who("affiliate", "jane", "ok", "")), 403, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, got := serve(t, site(PageOrJSON).Affiliate, c.req)
			if resp.StatusCode != c.status || (got != nil) != c.passed {
				t.Fatalf("status %d, passed %v: %s", resp.StatusCode, got != nil, resp.Body)
			}
			if got != nil && got.Who != "jane" {
				t.Errorf("handler got %q", got.Who)
			}
		})
	}
}

func TestSignInForms(t *testing.T) {
	resp, got := serve(t, site(nil).Form, request("POST", map[string]string{"origin": "https://evil.example"}, "email=a@b", nil))
	if resp.StatusCode != http.StatusForbidden || got != nil {
		t.Errorf("a sign-in posted from another site: %d", resp.StatusCode)
	}
	_, got = serve(t, site(nil).Form, request("POST", nil, "email=a%40b&next=%2F", nil))
	if got == nil || !got.FormOK || got.Form.Get("email") != "a@b" {
		t.Fatalf("a sign-in form: %+v", got)
	}
	if got.CheckToken("") == nil || got.CheckToken("x") == nil {
		t.Error("a form without a token passed the session's check")
	}
	_, got = serve(t, site(nil).Form, request("POST", nil, "csrf=t&%zz", nil))
	if got.FormOK || got.Form.Get("csrf") != "t" || got.CheckToken("t") != nil {
		t.Errorf("a malformed form keeps what it read and says it is not whole: %+v", got)
	}
	_, got = serve(t, site(nil).Form, request("POST", nil, strings.Repeat("a", 8<<10+1), nil))
	if got.FormOK || got.Form != nil {
		t.Error("a form over 8 KB was read")
	}
}

func TestNegotiation(t *testing.T) {
	for _, c := range []struct {
		accept, format string
		negotiate      Format
		pageOrJSON     Format
		dataOnly       Format
	}{
		{"text/html,application/xhtml+xml", "", Page, Page, JSON},
		{"application/json", "", JSON, JSON, JSON},
		{"text/csv", "", CSV, JSON, CSV},
		{"text/html", "csv", CSV, Page, CSV},
		{"text/html", "json", JSON, Page, JSON},
		{"application/json, text/html", "", JSON, JSON, JSON},
	} {
		req := apigw.Request{Headers: map[string]string{"accept": c.accept}, QueryStringParameters: map[string]string{"format": c.format}}
		if Negotiate(req) != c.negotiate || PageOrJSON(req) != c.pageOrJSON || DataOnly(req) != c.dataOnly {
			t.Errorf("Accept %q format %q: %s %s %s", c.accept, c.format, Negotiate(req), PageOrJSON(req), DataOnly(req))
		}
	}
}
