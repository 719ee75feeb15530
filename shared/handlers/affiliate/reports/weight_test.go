package reports_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
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
	"github.com/tallyhq/tally/shared/handlers/affiliate/reports"
	"github.com/tallyhq/tally/shared/web/apigw"
	"github.com/tallyhq/tally/shared/web/portal"
)

// ledgerOf100 is jane's ledger handler over a table holding 100 entries of
// hers in November, with a meter on its client.
func ledgerOf100(t testing.TB) (apigw.Handler, *dynamometer.Meter) {
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	st := store.New(db, dynamotest.NewTable(t, db))
	dynamotest.Load(t, st, demo.Program())
	d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	d.Now = func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	warm(t, d, "jane")
	fill(t, st, "jane", time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC), 100)
	return reports.Ledger(d), &m
}

func janeAsks(accept, encoding string) apigw.Request {
	req := apigw.Request{RawPath: "/reports/ledger", QueryStringParameters: map[string]string{"month": "2026-11"},
		Headers: map[string]string{"accept": accept, "accept-encoding": encoding}}
	req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"role": "affiliate", "subject": "jane", "auth": "ok"}}
	return req
}

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

func gzipped(b []byte) int {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(b)
	zw.Close()
	return buf.Len()
}

// The ledger page with 100 entries: what a browser downloads, plain and
// gzipped, and the DynamoDB requests next to the JSON view's (the same).
func TestLedgerPageWeight(t *testing.T) {
	h, m := ledgerOf100(t)
	ctx := context.Background()
	ask := func(accept, enc string) (apigw.Response, dynamometer.Counts) {
		before := m.Snapshot()
		resp, err := h(ctx, janeAsks(accept, enc))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %d", accept, err, resp.StatusCode)
		}
		return resp, m.Since(before)
	}
	page, pageCost := ask(browserAccept, "")
	pageGz, _ := ask(browserAccept, "gzip, deflate, br")
	js, jsonCost := ask("application/json", "")
	if pageCost.String() != jsonCost.String() || pageCost.ReadUnits != jsonCost.ReadUnits {
		t.Errorf("the page reads %v (%.1f units), the JSON %v (%.1f units)", pageCost, pageCost.ReadUnits, jsonCost, jsonCost.ReadUnits)
	}
	if n := strings.Count(page.Body, "<tr"); n < 100 {
		t.Fatalf("page has %d rows", n)
	}
	gz, err := base64.StdEncoding.DecodeString(pageGz.Body)
	if err != nil || pageGz.Headers["Content-Encoding"] != "gzip" || len(gz) >= len(page.Body)/3 {
		t.Errorf("gzip: %v %q, %d bytes of %d", err, pageGz.Headers["Content-Encoding"], len(gz), len(page.Body))
	}
	css, _ := portal.LookupAsset(strings.TrimPrefix(portal.AssetURL("style.css"), "/assets/"))
	script, _ := portal.LookupAsset(strings.TrimPrefix(portal.AssetURL("copy.js"), "/assets/"))
	if strings.Contains(page.Body, "copy.js") {
		t.Error("the ledger page loads a script it does not need")
	}
	total := len(page.Body) + len(css.Body)
	if total > 100<<10 {
		t.Errorf("ledger page with 100 entries weighs %d bytes", total)
	}
	t.Logf("ledger, 100 entries: HTML %d bytes (%d gzipped), CSS %d (%d gzipped), script %d (%d gzipped; not loaded by this page); JSON %d bytes",
		len(page.Body), len(gz), len(css.Body), gzipped(css.Body), len(script.Body), gzipped(script.Body), len(js.Body))
	t.Logf("DynamoDB: page %d requests (%v) %.1f read units; JSON %d requests (%v) %.1f read units",
		pageCost.Total(), pageCost, pageCost.ReadUnits, jsonCost.Total(), jsonCost, jsonCost.ReadUnits)
}

// The ledger answered as a page and as JSON, over the same table, in one
// run: compare the two as a ratio (go test -bench Ledger ./shared/handlers/affiliate/reports,
// under `make test`'s environment or with TALLY_TEST_DYNAMODB set).
func BenchmarkLedger(b *testing.B) {
	h, _ := ledgerOf100(b)
	for _, c := range []struct{ name, accept string }{{"JSON", "application/json"}, {"Page", browserAccept}} {
		b.Run(c.name, func(b *testing.B) {
			req := janeAsks(c.accept, "gzip")
			b.ReportAllocs()
			for b.Loop() {
				if resp, err := h(context.Background(), req); err != nil || resp.StatusCode != 200 {
					b.Fatal(err, resp.StatusCode)
				}
			}
		})
	}
}
