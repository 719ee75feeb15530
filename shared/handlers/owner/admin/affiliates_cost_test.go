package admin_test

import (
	"context"
	"fmt"
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
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/handlers/owner/admin"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// What the owner's changes to affiliates cost, measured on DynamoDB Local
// (docs/table-design.md, #33 to #35, quotes these figures): an add, an
// edit and a removal are a few requests whatever the program's size; an
// import of 1,000 rows is about three requests a row, and the same file
// again writes nothing.
func TestWhatAffiliateChangesCost(t *testing.T) {
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	st := store.New(db, dynamotest.NewTable(t, db))
	dynamotest.Load(t, st, demo.Program())
	// The import queue is never reached: 1,000 rows are written in the request.
	d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour, ImportQueueURL: "http://127.0.0.1:9/imports"}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if _, err := d.Programs.Get(ctx); err != nil {
		t.Fatal(err)
	}
	call := func(name string, h apigw.Handler, method, path, ctype, body string, want int, code string) dynamometer.Counts {
		t.Helper()
		req := apigw.Request{RawPath: path, Body: body, Headers: map[string]string{"accept": "application/json", "authorization": "Bearer dev-owner-key", "content-type": ctype}}
		req.RequestContext.HTTP.Method = method
		if code != "" {
			req.PathParameters = map[string]string{"code": code}
		}
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"role": "owner", "subject": "Accounts", "auth": "ok"}}
		before := m.Snapshot()
		start := time.Now()
		resp, err := h(ctx, req)
		if err != nil || resp.StatusCode != want {
			t.Fatalf("%s: %v %d %s", name, err, resp.StatusCode, resp.Body)
		}
		got := m.Since(before)
		t.Logf("%s: %d requests (%v), %.1f read units, %.1f write units (%.1f of them in transactions), %v on DynamoDB Local",
			name, got.Total(), got, got.AWSReadUnits(), got.AWSWriteUnits(), got.TxnWriteUnits, time.Since(start).Round(time.Millisecond))
		if got.Has("Scan") {
			t.Errorf("%s scans", name)
		}
		return got
	}
	add := call("add (2 events, 1 coupon)", admin.CreateAffiliate(d), "POST", "/admin/affiliates", "application/json",
		`{"code":"zoe","name":"Zoe Park","email":"zoe@example.org","plan":"standard","events":["summit-2026","gut-2026"],"coupons":["ZOE20"]}`, 201, "")
	edit := call("edit (name)", admin.UpdateAffiliate(d), "PATCH", "/admin/affiliates/zoe", "application/json", `{"name":"Zoe P."}`, 200, "zoe")
	remove := call("remove", admin.RemoveAffiliate(d), "DELETE", "/admin/affiliates/zoe", "", "", 204, "zoe")
	// An add is a read of its coupon code's marker, 2 short codes and 1
	// transaction; an edit 1 read and 1 transaction, and a removal the
	// same, each after the rules' reload (2 Queries, the same at any number
	// of affiliates: the writer's own cache is emptied by the change before
	// it).
	if add.Total() > 6 || add.Requests["PutItem"] != 2 || add.Requests["TransactWriteItems"] != 1 || edit.Total() > 4 || remove.Total() > 4 || edit.Requests["TransactWriteItems"] != 1 || remove.Requests["TransactWriteItems"] != 1 {
		t.Errorf("requests: add %d, edit %d, remove %d", add.Total(), edit.Total(), remove.Total())
	}

	var b strings.Builder
	b.WriteString("code,name,email,plan,events,payout_email,coupons\n")
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&b, "aff-%04d,Affiliate %d,aff%d@example.org,standard,summit-2026;gut-2026,,CODE%04d\n", i, i, i, i)
	}
	imp := call("import of 1,000 rows (2 events, 1 coupon each)", admin.ImportAffiliates(d), "POST", "/admin/affiliates/import", "text/csv", b.String(), 200, "")
	again := call("the same 1,000 rows again", admin.ImportAffiliates(d), "POST", "/admin/affiliates/import", "text/csv", b.String(), 200, "")
	if imp.Requests["TransactWriteItems"] != 1000 || imp.Total() > 3100 {
		t.Errorf("import: %v", imp)
	}
	if again.AWSWriteUnits() != 0 || again.Requests["TransactWriteItems"] != 0 {
		t.Errorf("the same file again wrote: %v", again)
	}
}
