package admin_test

import (
	"context"
	"encoding/json"
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
	"github.com/tallyhq/tally/shared/handlers/owner/admin"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// The first page of the owner's balances, from a cold start, reads the
// rules (the same bytes in a program of 4 affiliates as of 1,004) and one
// page of affiliates with the entries of those with a ledger: a number of
// requests bounded by the page's affiliates with a ledger, never by the
// program's size (SPEC 15).
func TestTheBalancesFirstPageReadsOnePageOfAffiliates(t *testing.T) {
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	st := store.New(db, dynamotest.NewTable(t, db))
	dynamotest.Load(t, st, demo.Program())
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	if err := seed.Month(ctx, st, "jane", time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC), 20); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		Balances []struct {
			Affiliate string `json:"affiliate"`
			Held      int64  `json:"held_cents"`
			Available int64  `json:"available_cents"`
			InPayout  int64  `json:"in_payout_cents"`
			Paid      int64  `json:"paid_cents"`
		} `json:"balances"`
		Next *string `json:"next"`
	}
	view := func(h apigw.Handler) (answer, dynamometer.Counts) {
		t.Helper()
		req := apigw.Request{RawPath: "/admin/balances", Headers: map[string]string{"accept": "application/json", "authorization": "Bearer dev-owner-key"}}
		req.RequestContext.HTTP.Method = "GET"
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"role": "owner", "subject": "Accounts", "auth": "ok"}}
		before := m.Snapshot()
		resp, err := h(ctx, req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("/admin/balances: %v %d %s", err, resp.StatusCode, resp.Body)
		}
		got := m.Since(before)
		var a answer
		if err := json.Unmarshal([]byte(resp.Body), &a); err != nil {
			t.Fatalf("/admin/balances: %v %s", err, resp.Body)
		}
		return a, got
	}
	// cold is a new function's first view; warm its second, the rules cached.
	measure := func(n int) (cold, warm dynamometer.Counts) {
		d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
		d.Now = func() time.Time { return now }
		h := admin.Balances(d)
		a, cold := view(h)
		_, warm = view(h)
		t.Logf("/admin/balances first page, %d affiliates: cold %d requests (%v), %.1f read units, %d bytes; warm %d requests (%v), %.1f read units, %d bytes",
			n, cold.Total(), cold, cold.AWSReadUnits(), cold.ReadBytes, warm.Total(), warm, warm.AWSReadUnits(), warm.ReadBytes)
		if cold.Has("Scan") {
			t.Errorf("%d affiliates: the balances scan", n)
		}
		want := min(n, admin.PageSize)
		if len(a.Balances) != want || (a.Next == nil) != (n <= admin.PageSize) {
			t.Errorf("%d affiliates: a first page of %d balances, next %v; want %d", n, len(a.Balances), a.Next, want)
		}
		// A page: one Query of its affiliates and one BatchGetItem of
		// their payee markers, then the entries of those with a ledger
		// (here: those with money) and, for those in payouts, the payouts.
		ledgers := 0
		for _, b := range a.Balances {
			if b.Held != 0 || b.Available != 0 || b.InPayout != 0 || b.Paid != 0 {
				ledgers++
			}
		}
		if warm.Total() > 2+2*ledgers {
			t.Errorf("%d affiliates: a page of %d, %d with a ledger, read %d requests (%v)", n, want, ledgers, warm.Total(), warm)
		}
		return cold, warm
	}
	dynamotest.ImportCrowd(t, st, 0, 1)
	fewCold, fewWarm := measure(4)
	dynamotest.ImportCrowd(t, st, 1, 1000)
	manyCold, manyWarm := measure(1004)
	fewRules, manyRules := fewCold.ReadBytes-fewWarm.ReadBytes, manyCold.ReadBytes-manyWarm.ReadBytes
	if fewRules != manyRules || fewCold.Total()-fewWarm.Total() != manyCold.Total()-manyWarm.Total() {
		t.Errorf("a cold start read %d bytes in %d requests more than a warm view with 4 affiliates, %d bytes in %d with 1,004",
			fewRules, fewCold.Total()-fewWarm.Total(), manyRules, manyCold.Total()-manyWarm.Total())
	}
}
