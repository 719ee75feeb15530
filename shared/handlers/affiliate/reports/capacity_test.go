package reports_test

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
	"github.com/tallyhq/tally/shared/handlers/affiliate/reports"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// fill writes n entries (and their day counters) for an affiliate in a
// month.
func fill(t testing.TB, st *store.Store, aff string, month time.Time, n int) {
	t.Helper()
	if err := seed.Month(context.Background(), st, aff, month, n); err != nil {
		t.Fatal(err)
	}
}

// A report's read cost depends on the asker's rows in the period, not on
// how much else the table holds.
func TestReportCostIsUnchangedByUnrelatedData(t *testing.T) {
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	st := store.New(db, dynamotest.NewTable(t, db))
	dynamotest.Load(t, st, demo.Program())
	d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	d.Now = func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	if _, err := d.Programs.Get(ctx); err != nil {
		t.Fatal(err)
	}
	nov := time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC)
	fill(t, st, "jane", nov, 1000)

	views := map[string]apigw.Handler{
		"ledger": reports.Ledger(d), "link-stats": reports.LinkStats(d), "products-sold": reports.ProductsSold(d),
		"commission-structure": reports.CommissionStructure(d), "links": reports.Links(d),
	}
	measure := func() map[string]dynamometer.Counts {
		out := map[string]dynamometer.Counts{}
		for name, h := range views {
			req := apigw.Request{RawPath: "/reports/" + name, QueryStringParameters: map[string]string{"month": "2026-11"},
				Headers: map[string]string{"accept": "application/json"}}
			req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"role": "affiliate", "subject": "jane", "auth": "ok"}}
			before := m.Snapshot()
			resp, err := h(ctx, req)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("%s: %v %d %s", name, err, resp.StatusCode, resp.Body)
			}
			out[name] = m.Since(before)
		}
		return out
	}
	alone := measure()
	// 100× more elsewhere: other affiliates in the same month, jane in others.
	for i := range 20 {
		fill(t, st, fmt.Sprintf("other-%d", i), nov, 250)
	}
	fill(t, st, "jane", time.Date(2026, 10, 1, 5, 0, 0, 0, time.UTC), 1000)
	fill(t, st, "jane", time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC), 1000)
	crowded := measure()
	for name, a := range alone {
		c := crowded[name]
		t.Logf("%-21s %d requests (%v), %.1f read units; with unrelated data: %d requests, %.1f read units", name, a.Total(), a, a.ReadUnits, c.Total(), c.ReadUnits)
		if a.Total() != c.Total() || a.ReadUnits != c.ReadUnits {
			t.Errorf("%s: cost changed with unrelated data: %v/%.1f → %v/%.1f", name, a, a.ReadUnits, c, c.ReadUnits)
		}
		if c.Has("Scan") {
			t.Errorf("%s scans", name)
		}
	}
	if alone["ledger"].Total() < 1 || alone["links"].Total() != 0 || alone["commission-structure"].Total() != 0 {
		t.Errorf("unexpected request counts: %v", alone)
	}
}
