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
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/owner/admin"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// A month of one affiliate in a program of 500: 10 commissions, and hits
// on 28 days over 2 counter shards a day (the last days of the month only
// for some, none at all for others, so the "no visit in 7 days" read goes
// back in time for them).
func seedAffiliate(ctx context.Context, st *store.Store, aff string, i int) error {
	var b store.Batch
	nov := time.Date(2026, 11, 1, 15, 0, 0, 0, time.UTC)
	for n := range 10 {
		at := nov.Add(time.Duration(n) * 49 * time.Hour)
		b.Entries = append(b.Entries, ledger.Entry{ID: fmt.Sprintf("o:%s-%d:SUM26-REC:referral", aff, n), Affiliate: aff, At: at, Type: ledger.TypeReferral,
			Rule: ledger.RuleKindRate, OrderID: fmt.Sprintf("%s-%d", aff, n), SKU: "SUM26-REC", Event: "summit-2026", Quantity: 1,
			BasisCents: 9700, RateBP: 5000, AmountCents: 4850, Via: ledger.ViaClick, LinkEvent: "summit-2026", AvailableOn: at.Add(14 * 24 * time.Hour)})
	}
	days := 28
	switch i % 10 {
	case 0: // never shared: no counters at all
		days = 0
	case 1: // shared early in the month, quiet for the last two weeks
		days = 14
	}
	for day := range days {
		for shard := range 2 {
			b.Counters = append(b.Counters, store.Counters{Affiliate: aff, Date: nov.AddDate(0, 0, day).Format("2006-01-02"), Event: "summit-2026",
				Shard: shard, StatDelta: store.StatDelta{Hits: 3, Orders: 1}})
		}
	}
	return st.Import(ctx, b)
}

// What one view of the owner's pages costs for a program of 500
// affiliates, measured on DynamoDB Local (docs/table-design.md quotes these
// figures). Every read is a Query or GetItem on one affiliate's partitions:
// no Scan, and a bounded number of requests per affiliate.
func TestOwnerPagesCostFor500Affiliates(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 500 affiliates")
	}
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	st := store.New(db, dynamotest.NewTable(t, db))
	p := demo.Program()
	for i := len(p.Affiliates); i < 500; i++ {
		p.Affiliates = append(p.Affiliates, program.Affiliate{Code: fmt.Sprintf("aff-%03d", i), Name: fmt.Sprintf("Speaker %d", i),
			Email: fmt.Sprintf("speaker%d@example.com", i), Plan: "standard", Events: []string{"summit-2026"}})
	}
	dynamotest.Load(t, st, p)
	for i, a := range p.Affiliates {
		if err := seedAffiliate(ctx, st, a.Code, i); err != nil {
			t.Fatal(err)
		}
	}
	d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	d.Now = func() time.Time { return time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC) }
	if _, err := d.Programs.Get(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		h      apigw.Handler
		perAff int // at most this many requests per affiliate
		fixed  int // and this many for the program as a whole
	}{{"/admin", admin.Overview(d), 2, 1 /* the unapplied checkout events */}, {"/admin/affiliates", admin.Affiliates(d), 4, 0}} {
		req := apigw.Request{RawPath: c.name, QueryStringParameters: map[string]string{"month": "2026-11"}, Headers: map[string]string{"accept": "application/json", "authorization": "Bearer dev-owner-key"}}
		req.RequestContext.HTTP.Method = "GET"
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"role": "owner", "subject": "Accounts", "auth": "ok"}}
		before := m.Snapshot()
		start := time.Now()
		resp, err := c.h(ctx, req)
		took := time.Since(start)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %d %s", c.name, err, resp.StatusCode, resp.Body)
		}
		got := m.Since(before)
		t.Logf("%s, 500 affiliates: %d requests (%v), %.1f read units (%.2f per affiliate), %d KB answer, %v on DynamoDB Local",
			c.name, got.Total(), got, got.ReadUnits, got.ReadUnits/500, len(resp.Body)/1024, took.Round(time.Millisecond))
		if got.Has("Scan") {
			t.Errorf("%s scans", c.name)
		}
		if got.Total() > c.perAff*500+c.fixed || got.Total() < 500 {
			t.Errorf("%s: %d requests for 500 affiliates, want 500..%d", c.name, got.Total(), c.perAff*500+c.fixed)
		}
	}
}
