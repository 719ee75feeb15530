package join_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/mail"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/public/join"
	"github.com/tallyhq/tally/shared/web/apigw"
)

var confirmLink = regexp.MustCompile(`/join/confirm\?t=([0-9a-f]+\.[A-Za-z0-9_-]+)`)

// An open signup, from a cold start, reads the rules, the recruiter it
// names and the address's own items, by key, never every affiliate
// (SPEC 15): the form with ?ref=bob, its post, and the confirmation that
// makes the affiliate read the same requests and bytes in a program of 4
// affiliates as of 1,004, and make the same affiliate.
func TestAColdSignupReadsNoOtherAffiliate(t *testing.T) {
	join.AnswerFloor = 0
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	p, err := program.Parse([]byte(strings.Replace(string(demo.YAML), "signup: approval", "signup: open", 1)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	form := func(path, body string) apigw.Request {
		req := apigw.Request{RawPath: path, Body: body, Headers: map[string]string{"content-type": "application/x-www-form-urlencoded",
			"host": "127.0.0.1", "origin": "http://127.0.0.1", "accept": "text/html"}}
		req.RequestContext.HTTP.Method, req.RequestContext.HTTP.Path, req.RequestContext.HTTP.SourceIP = http.MethodPost, path, "192.0.2.1"
		return req
	}
	type run struct {
		cost  map[string]dynamometer.Counts
		made  program.Affiliate
		mails int
	}
	measure := func(crowd int) run {
		st := store.New(db, dynamotest.NewTable(t, db))
		dynamotest.Load(t, st, p)
		dynamotest.ImportCrowd(t, st, 0, 1)
		if crowd > 1 {
			dynamotest.ImportCrowd(t, st, 1, crowd-1)
		}
		var box strings.Builder
		cold := func() *app.Deps {
			d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour, Local: true, PublicBaseURL: "https://go.example.com",
				MailLinkKey: "0123456789abcdef0123456789abcdef"}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
			d.Now = func() time.Time { return now }
			d.Mail = &mail.Printer{W: &box}
			return d
		}
		r := run{cost: map[string]dynamometer.Counts{}}
		call := func(name string, h apigw.Handler, req apigw.Request) string {
			t.Helper()
			before := m.Snapshot()
			resp, err := h(ctx, req)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %v %d %s", name, err, resp.StatusCode, resp.Body)
			}
			r.cost[name] = m.Since(before)
			return resp.Body
		}
		page := apigw.Request{RawPath: "/join", QueryStringParameters: map[string]string{"ref": "bob"}, Headers: map[string]string{"accept": "text/html"}}
		page.RequestContext.HTTP.Method = http.MethodGet
		if body := call("form", join.Page(cold()), page); !strings.Contains(body, "Bob Stone") {
			t.Errorf("the form does not name the recruiter:\n%s", body)
		}
		vals := url.Values{"name": {"Sam Signup"}, "email": {"sam@example.org"}, "payout_email": {""}, "website": {""},
			"terms": {"yes"}, "ref": {"bob"}, "event": {""}, join.Honeypot: {""}}
		call("post", join.Submit(cold()), form("/join", vals.Encode()))
		link := confirmLink.FindStringSubmatch(box.String())
		if link == nil {
			t.Fatalf("no confirmation link mailed: %q", box.String())
		}
		call("confirm", join.Confirm(cold()), form("/join/confirm", url.Values{"t": {link[1]}}.Encode()))
		listed, err := st.AffiliatesByEmail(ctx, "sam@example.org")
		if err != nil || len(listed) != 1 {
			t.Fatalf("affiliates of sam@example.org: %+v %v", listed, err)
		}
		r.made = listed[0].Affiliate
		r.made.Joined = ""
		r.mails = strings.Count(box.String(), "mail to sam@example.org")
		return r
	}
	few, many := measure(1), measure(1000)
	for _, name := range []string{"form", "post", "confirm"} {
		a, b := few.cost[name], many.cost[name]
		t.Logf("%-7s cold, 4 affiliates: %v, %.1f read units, %d bytes; 1,004: %v, %.1f read units, %d bytes", name, a, a.AWSReadUnits(), a.ReadBytes, b, b.AWSReadUnits(), b.ReadBytes)
		if a.String() != b.String() || a.ReadBytes != b.ReadBytes {
			t.Errorf("%s: a cold start read %v (%d bytes) with 4 affiliates, %v (%d bytes) with 1,004", name, a, a.ReadBytes, b, b.ReadBytes)
		}
	}
	if few.made.Code == "" || few.made.RecruitedBy != "bob" || few.mails != 2 {
		t.Errorf("made %+v, %d mails to sam", few.made, few.mails)
	}
	if few.made.Code != many.made.Code || few.made.RecruitedBy != many.made.RecruitedBy || few.mails != many.mails {
		t.Errorf("the signup came out differently: %+v (%d mails) with 4 affiliates, %+v (%d) with 1,004", few.made, few.mails, many.made, many.mails)
	}
}
