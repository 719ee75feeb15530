package admin_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/handlers/owner/admin"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Creating a payout reads the rules on a cold start, never the whole
// program (SPEC 15): the same key sent again to a fresh function reads the
// same requests and bytes with 4 affiliates as with 1,004. A payout made
// at 1,004 affiliates within the request (the default budget) is measured.
func TestACreatePayoutsColdStartReadsTheRulesOnly(t *testing.T) {
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	st := store.New(db, dynamotest.NewTable(t, db))
	dynamotest.Load(t, st, demo.Program())
	now := time.Now().UTC()
	fresh := func() *app.Deps {
		d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour, PayoutQueueURL: "http://127.0.0.1:9/payouts"}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
		d.Now = func() time.Time { return now }
		return d
	}
	call := func(h apigw.Handler, path, key, body string, want int) dynamometer.Counts {
		t.Helper()
		req := apigw.Request{RawPath: path, Body: body,
			Headers: map[string]string{"accept": "application/json", "authorization": "Bearer dev-owner-key", "content-type": "application/json", "idempotency-key": key}}
		req.RequestContext.HTTP.Method = "POST"
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"role": "owner", "subject": "Accounts", "auth": "ok"}}
		before := m.Snapshot()
		resp, err := h(ctx, req)
		if err != nil || resp.StatusCode != want {
			t.Fatalf("POST %s: %v %d %s", path, err, resp.StatusCode, resp.Body)
		}
		return m.Since(before)
	}
	call(admin.Adjustment(fresh()), "/admin/adjustments", "", `{"id":"owed-1","affiliate":"jane","amount_cents":90000,"reason":"owed"}`, 201)
	call(admin.CreatePayout(fresh()), "/admin/payouts", "month-end", `{}`, 201)

	dynamotest.ImportCrowd(t, st, 0, 1)
	few := call(admin.CreatePayout(fresh()), "/admin/payouts", "month-end", `{}`, 200)
	dynamotest.ImportCrowd(t, st, 1, 1000)
	many := call(admin.CreatePayout(fresh()), "/admin/payouts", "month-end", `{}`, 200)
	t.Logf("cold create, the same key again: 4 affiliates: %v, %d bytes; 1,004: %v, %d bytes", few, few.ReadBytes, many, many.ReadBytes)
	if few.String() != many.String() || few.ReadBytes != many.ReadBytes {
		t.Errorf("a cold start read %v (%d bytes) with 4 affiliates, %v (%d bytes) with 1,004", few, few.ReadBytes, many, many.ReadBytes)
	}

	call(admin.Adjustment(fresh()), "/admin/adjustments", "", `{"id":"owed-2","affiliate":"crowd-0500","amount_cents":90000,"reason":"owed"}`, 201)
	began := time.Now()
	made := call(admin.CreatePayout(fresh()), "/admin/payouts", "next-month", `{}`, 201)
	t.Logf("a payout at 1,004 affiliates, cold, in one request: %v, %.1f read units, %.1f write units, in %s",
		made, made.AWSReadUnits(), made.AWSWriteUnits(), time.Since(began).Round(time.Millisecond))
	// Two affiliates have a ledger (jane, crowd-0500): the payout reads
	// theirs and no other's, whatever the program's size (SPEC 15).
	if made.Total() > 30 {
		t.Errorf("a payout of the 2 affiliates with a ledger among 1,004 made %d requests (%v)", made.Total(), made)
	}
}
