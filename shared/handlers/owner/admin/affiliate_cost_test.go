package admin_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/seed"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/affiliate/reports"
	"github.com/tallyhq/tally/shared/handlers/owner/admin"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// The owner's views of one affiliate, from a cold start, read the same
// requests and bytes in a program of 4 affiliates as of 1,004: the rules
// and the affiliate in the path (current or former), never the others
// (SPEC 15). An adjustment checks its affiliate by key the same way.
func TestTheOwnersViewsOfAnAffiliateReadNoOtherAffiliate(t *testing.T) {
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	st := store.New(db, dynamotest.NewTable(t, db))
	dynamotest.Load(t, st, demo.Program())
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	if err := seed.Month(ctx, st, "jane", time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC), 20); err != nil {
		t.Fatal(err)
	}
	kim, _, err := st.GetAffiliate(ctx, "kim")
	if err != nil || kim == nil {
		t.Fatalf("kim: %v %v", kim, err)
	}
	if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: program.Retire(*kim), Prev: kim, Former: true}, now); err != nil {
		t.Fatal(err)
	}
	call := func(h apigw.Handler, method, path, code, body string, want int) dynamometer.Counts {
		t.Helper()
		req := apigw.Request{RawPath: path, Body: body, QueryStringParameters: map[string]string{"month": "2026-11"},
			Headers: map[string]string{"accept": "application/json", "authorization": "Bearer dev-owner-key", "content-type": "application/json"}}
		req.RequestContext.HTTP.Method = method
		if code != "" {
			req.PathParameters = map[string]string{"code": code}
		}
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"role": "owner", "subject": "Accounts", "auth": "ok"}}
		before := m.Snapshot()
		resp, err := h(ctx, req)
		if err != nil || resp.StatusCode != want {
			t.Fatalf("%s %s: %v %d %s", method, path, err, resp.StatusCode, resp.Body)
		}
		return m.Since(before)
	}
	callCSV := func(h apigw.Handler, body string, want int) dynamometer.Counts {
		t.Helper()
		req := apigw.Request{RawPath: "/admin/affiliates/import", Body: body,
			Headers: map[string]string{"accept": "application/json", "authorization": "Bearer dev-owner-key", "content-type": "text/csv"}}
		req.RequestContext.HTTP.Method = "POST"
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"role": "owner", "subject": "Accounts", "auth": "ok"}}
		before := m.Snapshot()
		resp, err := h(ctx, req)
		if err != nil || resp.StatusCode != want {
			t.Fatalf("import: %v %d %s", err, resp.StatusCode, resp.Body)
		}
		return m.Since(before)
	}
	round := 0
	cold := func() map[string]dynamometer.Counts {
		round++
		out := map[string]dynamometer.Counts{}
		fresh := func() *app.Deps {
			d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour, ImportQueueURL: "http://127.0.0.1:9/imports"}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
			d.Now = func() time.Time { return now }
			return d
		}
		out["affiliate"] = call(admin.Affiliate(fresh()), "GET", "/admin/affiliates/jane", "jane", "", 200)
		out["former affiliate"] = call(admin.Affiliate(fresh()), "GET", "/admin/affiliates/kim", "kim", "", 200)
		out["ledger"] = call(reports.AffiliateLedger(fresh()), "GET", "/admin/affiliates/jane/ledger", "jane", "", 200)
		// bob's, not jane's: jane's views must read the same rows each round.
		out["adjustment"] = call(admin.Adjustment(fresh()), "POST", "/admin/adjustments", "",
			fmt.Sprintf(`{"id":"cost-%d","affiliate":"bob","amount_cents":500,"reason":"a correction"}`, round), 201)
		// Adding and importing read the rules and what they name by key:
		// a new code with a coupon code nobody holds; a file of a new row,
		// an unchanged crowd affiliate, and a row taking the added affiliate's code (refused).
		out["add"] = call(admin.CreateAffiliate(fresh()), "POST", "/admin/affiliates", "",
			fmt.Sprintf(`{"code":"added-%d","name":"Added","email":"added-%d@example.org","plan":"standard","events":["summit-2026"],"coupons":["ADD%d"]}`, round, round, round), 201)
		file := fmt.Sprintf("code,name,email,plan,events,coupons\nrow-%d,Row,row-%d@example.org,standard,summit-2026,ROW%d\ncrowd-0000,Crowd 0,crowd-0000@example.org,standard,summit-2026;retreat-2026,\n", round, round, round)
		out["import"] = callCSV(admin.ImportAffiliates(fresh()), file, 200)
		out["import refused"] = callCSV(admin.ImportAffiliates(fresh()), file+fmt.Sprintf("taker-%d,Taker,taker@example.org,standard,summit-2026,add%d\n", round, round), 422)
		return out
	}
	dynamotest.ImportCrowd(t, st, 0, 1)
	few := cold()
	dynamotest.ImportCrowd(t, st, 1, 1000)
	many := cold()
	for _, name := range []string{"affiliate", "former affiliate", "ledger", "adjustment", "add", "import", "import refused"} {
		a, b := few[name], many[name]
		t.Logf("%-16s cold, 4 affiliates: %v, %.1f read units, %d bytes; 1,004: %v, %.1f read units, %d bytes", name, a, a.AWSReadUnits(), a.ReadBytes, b, b.AWSReadUnits(), b.ReadBytes)
		if a.String() != b.String() || a.ReadBytes != b.ReadBytes {
			t.Errorf("%s: a cold start read %v (%d bytes) with 4 affiliates, %v (%d bytes) with 1,004", name, a, a.ReadBytes, b, b.ReadBytes)
		}
	}
}
