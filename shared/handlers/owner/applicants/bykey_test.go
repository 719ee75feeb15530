package applicants_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/mail"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/handlers/owner/applicants"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// The owner's applicants routes, from a cold start, read the rules, the
// applications and the affiliates they name, by key, never every
// affiliate (SPEC 15): the list, an approval recruited by bob, and a
// decline read the same requests and bytes in a program of 4 affiliates
// as of 1,004, answer the same and mail the same.
func TestColdApplicantsRoutesReadNoOtherAffiliate(t *testing.T) {
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	type run struct {
		cost    map[string]dynamometer.Counts
		answers map[string]string
		mail    string
	}
	measure := func(crowd int) run {
		st := store.New(db, dynamotest.NewTable(t, db))
		dynamotest.Load(t, st, demo.Program())
		dynamotest.ImportCrowd(t, st, 0, 1)
		if crowd > 1 {
			dynamotest.ImportCrowd(t, st, 1, crowd-1)
		}
		for _, a := range []store.Applicant{
			{ID: "0001764500000000aaaaaaaa", Name: "Ann Applicant", Email: "ann@example.org", Website: "sleep news", AppliedAt: now.Add(-time.Hour), Status: store.ApplicantPending},
			{ID: "0001764500000000bbbbbbbb", Name: "Dan Declined", Email: "dan@example.org", AppliedAt: now.Add(-time.Hour), Status: store.ApplicantPending},
		} {
			if err := st.AddApplicant(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		var box strings.Builder
		r := run{cost: map[string]dynamometer.Counts{}, answers: map[string]string{}}
		call := func(name string, h apigw.Handler, method, path, id, body string) {
			t.Helper()
			req := apigw.Request{RawPath: path, Body: body,
				Headers: map[string]string{"accept": "application/json", "authorization": "Bearer dev-owner-key", "content-type": "application/json"}}
			req.RequestContext.HTTP.Method = method
			if id != "" {
				req.PathParameters = map[string]string{"id": id}
			}
			req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"role": "owner", "subject": "Accounts", "auth": "ok"}}
			before := m.Snapshot()
			resp, err := h(ctx, req)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("%s %s: %v %d %s", method, path, err, resp.StatusCode, resp.Body)
			}
			r.cost[name] = m.Since(before)
			r.answers[name] = resp.Body
		}
		cold := func() *app.Deps {
			d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour, PublicBaseURL: "https://go.example.com"}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
			d.Now = func() time.Time { return now }
			d.Mail = &mail.Printer{W: &box}
			return d
		}
		call("list", applicants.Applicants(cold()), "GET", "/admin/applicants", "", "")
		call("approve", applicants.Approve(cold()), "POST", "/admin/applicants/0001764500000000aaaaaaaa/approve", "0001764500000000aaaaaaaa",
			`{"plan":"standard","events":["summit-2026"],"code":"ann","recruited_by":"bob"}`)
		call("decline", applicants.Decline(cold()), "POST", "/admin/applicants/0001764500000000bbbbbbbb/decline", "0001764500000000bbbbbbbb",
			`{"reason":"Not this season."}`)
		a, _, err := st.GetAffiliate(ctx, "ann")
		if err != nil || a == nil || a.RecruitedBy != "bob" {
			t.Fatalf("approved affiliate %+v %v", a, err)
		}
		r.mail = box.String()
		return r
	}
	few, many := measure(1), measure(1000)
	for _, name := range []string{"list", "approve", "decline"} {
		a, b := few.cost[name], many.cost[name]
		t.Logf("%-7s cold, 4 affiliates: %v, %.1f read units, %d bytes; 1,004: %v, %.1f read units, %d bytes", name, a, a.AWSReadUnits(), a.ReadBytes, b, b.AWSReadUnits(), b.ReadBytes)
		if a.String() != b.String() || a.ReadBytes != b.ReadBytes {
			t.Errorf("%s: a cold start read %v (%d bytes) with 4 affiliates, %v (%d bytes) with 1,004", name, a, a.ReadBytes, b, b.ReadBytes)
		}
		if few.answers[name] != many.answers[name] {
			t.Errorf("%s answered %s with 4 affiliates, %s with 1,004", name, few.answers[name], many.answers[name])
		}
	}
	// The welcome mail's sign-in link is random; the rest is the same.
	scrub := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if i := strings.Index(l, "/login/link?t="); i >= 0 {
				l = l[:i]
			}
			out = append(out, l)
		}
		return strings.Join(out, "\n")
	}
	if scrub(few.mail) != scrub(many.mail) || !strings.Contains(few.mail, "mail to ann@example.org") || !strings.Contains(few.mail, "mail to dan@example.org") {
		t.Errorf("mail with 4 affiliates:\n%s\nwith 1,004:\n%s", few.mail, many.mail)
	}
}
