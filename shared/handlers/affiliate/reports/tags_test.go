package reports_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/eventfile"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/handlers/affiliate/reports"
	"github.com/tallyhq/tally/shared/handlers/owner/admin"
	"github.com/tallyhq/tally/shared/handlers/public/clicks"
	"github.com/tallyhq/tally/shared/web/apigw"
)

const tagsClickKey = "tags-test-click-key-0123456789abcdef"

// clicked is a table that took n clicks on jane's summit link, each with
// the tag tag(i) ("" for none), through the click handler, with a meter.
func clicked(t *testing.T, n int, tag func(int) string) (*app.Deps, *dynamometer.Meter) {
	t.Helper()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	st := store.New(db, dynamotest.NewTable(t, db))
	dynamotest.Load(t, st, demo.Program())
	d := app.New(app.Config{Table: st.Table, ClickKey: tagsClickKey, ProgramTTL: time.Hour}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	d.Now = func() time.Time { return time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC) }
	h := clicks.New(d).WithCountTimeout(time.Minute)
	work := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				req := eventfile.Load(t, "click-long")
				req.PathParameters = map[string]string{"event": "summit-2026", "affiliate": "jane"}
				req.RawQueryString = ""
				if s := tag(i); s != "" {
					req.RawQueryString = "sub=" + s
				}
				if resp, err := h.Long(context.Background(), req); err != nil || resp.StatusCode != 302 {
					t.Errorf("click %d: %v %d", i, err, resp.StatusCode)
				}
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	return d, &m
}

func as(role, subject, path string, query map[string]string, accept string) apigw.Request {
	req := apigw.Request{RawPath: path, QueryStringParameters: query, Headers: map[string]string{"accept": accept}}
	req.RequestContext.HTTP.Method = "GET"
	req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"role": role, "subject": subject, "auth": "ok"}}
	return req
}

// SPEC 14: 2,000 distinct ?sub= tags in a day (no credentials needed to
// send them) leave the untagged views exactly as costly as no tags do:
// the same requests and read units for link stats (JSON, CSV, page) and
// the owner's pages; and link stats by tag stays small (the day's 50 tags
// and "other").
func TestTwoThousandTagsCostTheUntaggedViewsNothing(t *testing.T) {
	const n = 2000
	plain, plainMeter := clicked(t, n, func(int) string { return "" })
	tagged, taggedMeter := clicked(t, n, func(i int) string { return fmt.Sprintf("t%04d", i) })

	month := map[string]string{"month": "2026-11"}
	views := []struct {
		name string
		h    func(*app.Deps) apigw.Handler
		req  apigw.Request
	}{
		{"link-stats JSON", reports.LinkStats, as("affiliate", "jane", "/reports/link-stats", month, "application/json")},
		{"link-stats CSV", reports.LinkStats, as("affiliate", "jane", "/reports/link-stats", map[string]string{"month": "2026-11", "format": "csv"}, "")},
		{"link-stats page", reports.LinkStats, as("affiliate", "jane", "/reports/link-stats", month, "text/html")},
		{"owner's overview", admin.Overview, as("owner", "Accounts", "/admin", month, "application/json")},
		{"owner's affiliates", admin.Affiliates, as("owner", "Accounts", "/admin/affiliates", month, "application/json")},
		{"owner's page of jane", admin.Affiliate, as("owner", "Accounts", "/admin/affiliates/jane", month, "text/html")},
	}
	views[5].req.PathParameters = map[string]string{"code": "jane"}
	cost := func(d *app.Deps, m *dynamometer.Meter, h func(*app.Deps) apigw.Handler, req apigw.Request) (dynamometer.Counts, apigw.Response) {
		t.Helper()
		handler := h(d)
		_, _ = handler(context.Background(), req) // warm: the program cache
		before := m.Snapshot()
		resp, err := handler(context.Background(), req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %d %s", req.RawPath, err, resp.StatusCode, resp.Body)
		}
		return m.Since(before), resp
	}
	for _, v := range views {
		a, ra := cost(plain, plainMeter, v.h, v.req)
		b, rb := cost(tagged, taggedMeter, v.h, v.req)
		if a.String() != b.String() || a.AWSReadUnits() != b.AWSReadUnits() {
			t.Errorf("%s: no tags %v (%.1f read units), 2,000 tags %v (%.1f read units)", v.name, a, a.AWSReadUnits(), b, b.AWSReadUnits())
		}
		if len(ra.Body) != len(rb.Body) && v.name != "owner's page of jane" {
			t.Logf("%s: %d bytes without tags, %d with", v.name, len(ra.Body), len(rb.Body))
		}
		if len(rb.Body) > 2*len(ra.Body)+1024 {
			t.Errorf("%s: %d bytes with 2,000 tags, %d without", v.name, len(rb.Body), len(ra.Body))
		}
	}

	bySub := as("affiliate", "jane", "/reports/link-stats", map[string]string{"month": "2026-11", "by": "sub"}, "application/json")
	c, resp := cost(tagged, taggedMeter, reports.LinkStats, bySub)
	if len(resp.Body) > 8<<10 {
		t.Errorf("link stats by tag is %d bytes", len(resp.Body))
	}
	st := tagged.Store
	rows, err := st.StatsBySub(context.Background(), "jane", "2026-11-01", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	var hits int64
	subs := map[string]int64{}
	for _, r := range rows {
		subs[r.Sub] += r.Hits
		hits += r.Hits
	}
	if len(subs) != 52 || subs[store.TagOther] != n-50 || subs[""] != 0 || hits != n {
		t.Errorf("%d rows (other %d, untagged %d), %d hits", len(subs), subs[store.TagOther], subs[""], hits)
	}
	t.Logf("link stats by tag: %d bytes, %v, %.1f read units", len(resp.Body), c, c.AWSReadUnits())
}
