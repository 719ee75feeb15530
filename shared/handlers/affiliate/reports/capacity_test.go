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
	"github.com/tallyhq/tally/shared/handlers/background/notify"
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

// warm reads what a warm function holds for an affiliate's views: the
// rules and the affiliate with its links.
func warm(t testing.TB, d *app.Deps, code string) {
	t.Helper()
	if _, err := d.AffiliateView(context.Background(), code, false); err != nil {
		t.Fatal(err)
	}
}

// metered is what jane's JSON view of a report asked of DynamoDB.
func metered(t testing.TB, m *dynamometer.Meter, h apigw.Handler, name string, query map[string]string) dynamometer.Counts {
	t.Helper()
	req := apigw.Request{RawPath: "/reports/" + name, QueryStringParameters: query, Headers: map[string]string{"accept": "application/json"}}
	req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"role": "affiliate", "subject": "jane", "auth": "ok"}}
	before := m.Snapshot()
	resp, err := h(context.Background(), req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: %v %d %s", name, err, resp.StatusCode, resp.Body)
	}
	return m.Since(before)
}

// An affiliate's views, from a cold start, read the same requests and
// bytes in a program of 4 affiliates as of 1,004: the rules and the
// asking affiliate, never the others (SPEC 15).
func TestAnAffiliatesViewsReadNoOtherAffiliate(t *testing.T) {
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	st := store.New(db, dynamotest.NewTable(t, db))
	dynamotest.Load(t, st, demo.Program())
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	cold := func() map[string]dynamometer.Counts {
		out := map[string]dynamometer.Counts{}
		for _, name := range []string{"ledger", "links", "recruits", "mail"} {
			d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
			d.Now = func() time.Time { return now }
			h := map[string]apigw.Handler{"ledger": reports.Ledger(d), "links": reports.Links(d), "recruits": reports.Recruits(d),
				"mail": notify.MailSettings(d)}[name]
			out[name] = metered(t, &m, h, name, nil)
		}
		return out
	}
	dynamotest.ImportCrowd(t, st, 0, 1)
	few := cold()
	dynamotest.ImportCrowd(t, st, 1, 1000)
	many := cold()
	for name, a := range few {
		b := many[name]
		t.Logf("%-8s cold, 4 affiliates: %v, %.1f read units, %d bytes; 1,004: %v, %.1f read units, %d bytes", name, a, a.AWSReadUnits(), a.ReadBytes, b, b.AWSReadUnits(), b.ReadBytes)
		if a.String() != b.String() || a.ReadBytes != b.ReadBytes {
			t.Errorf("%s: a cold view read %v (%d bytes) with 4 affiliates, %v (%d bytes) with 1,004", name, a, a.ReadBytes, b, b.ReadBytes)
		}
	}
}

// A report's read cost depends on the asker's rows in the period, not on
// how much else the table holds.
func TestReportCostIsUnchangedByUnrelatedData(t *testing.T) {
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	st := store.New(db, dynamotest.NewTable(t, db))
	dynamotest.Load(t, st, demo.Program())
	d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	d.Now = func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	warm(t, d, "jane")
	nov := time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC)
	fill(t, st, "jane", nov, 1000)

	views := map[string]apigw.Handler{
		"ledger": reports.Ledger(d), "link-stats": reports.LinkStats(d), "products-sold": reports.ProductsSold(d),
		"commission-structure": reports.CommissionStructure(d), "links": reports.Links(d),
	}
	measure := func() map[string]dynamometer.Counts {
		out := map[string]dynamometer.Counts{}
		for name, h := range views {
			out[name] = metered(t, &m, h, name, map[string]string{"month": "2026-11"})
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
