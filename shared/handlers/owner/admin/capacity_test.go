package admin_test

import (
	"context"
	"encoding/json"
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
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/rollup"
	"github.com/tallyhq/tally/shared/handlers/owner/admin"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// What one view of the owner's pages costs for a program of 10,000
// affiliates, measured on DynamoDB Local (docs/table-design.md and
// docs/benchmarks.md quote these figures): /admin and each page of
// /admin/affiliates at most 5 requests and 100 read units, whatever the
// number of affiliates (SPEC 15). The summaries are set as the stream
// keeps them: a month row and an all-time row per affiliate, a month of
// daily totals on 10 events over every shard.
func TestOwnerPagesCostAt10000Affiliates(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 10,000 affiliates")
	}
	const n = 10000
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	st := store.New(db, dynamotest.NewTable(t, db))
	p := demo.Program()
	for i := len(p.Affiliates); i < n; i++ {
		p.Affiliates = append(p.Affiliates, program.Affiliate{Code: fmt.Sprintf("aff-%05d", i), Name: fmt.Sprintf("Speaker %d", i),
			Email: fmt.Sprintf("speaker%d@example.com", i), Plan: "standard", Events: []string{"summit-2026"}})
	}
	start := time.Now()
	dynamotest.Load(t, st, p)
	err := store.EachParallel(len(p.Affiliates), 16, func(i int) error {
		a := p.Affiliates[i]
		c := rollup.Counts{Hits: int64(i % 97), Orders: int64(i % 7), RevenueCents: int64(i%7) * 9700, EarnedCents: int64(i%7) * 4850, NetCents: int64(i%7)*4850 - int64(i%3)*100}
		last := ""
		if i%10 != 0 {
			last = fmt.Sprintf("2026-11-%02d", 1+i%30)
		}
		for _, per := range []string{"2026-11", rollup.All} {
			r := store.SummaryRow{Period: per, Affiliate: a.Code, Name: a.Name, Counts: c, LastHit: last}
			if per == rollup.All {
				prof := store.ProfileOf(a, false)
				r.Profile = &prof
				if last != "" {
					r.EventHits, r.Months = map[string]string{"summit-2026": last}, []string{"2026-11"}
				}
			}
			if err := st.PutSummaryRow(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var ts []store.Total
	for day := 1; day <= 30; day++ {
		date := fmt.Sprintf("2026-11-%02d", day)
		ts = append(ts, store.Total{Date: date, Counts: rollup.Counts{EarnedCents: 100000, NetCents: 90000, ClawbacksCents: -10000}})
		for ev := range 10 {
			ts = append(ts, store.Total{Date: date, Event: fmt.Sprintf("event-%d", ev), Counts: rollup.Counts{Hits: 3000, OptIns: 40, Orders: 20, RevenueCents: 194000}})
		}
	}
	for shard := range store.TotalShards { // as many items as the stream makes: every shard of every day and event
		if err := st.ReplaceTotalsShard(ctx, "2026-11", ts, shard); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seeded %d affiliates in %v", n, time.Since(start).Round(time.Second))

	d := app.New(app.Config{Table: st.Table, ProgramTTL: time.Hour}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	d.Now = func() time.Time { return time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC) }
	view := func(name string, h apigw.Handler, path string, q map[string]string) (apigw.Response, dynamometer.Counts) {
		t.Helper()
		req := apigw.Request{RawPath: path, QueryStringParameters: q, Headers: map[string]string{"accept": "application/json", "authorization": "Bearer dev-owner-key"}}
		req.RequestContext.HTTP.Method = "GET"
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"role": "owner", "subject": "Accounts", "auth": "ok"}}
		before := m.Snapshot()
		start := time.Now()
		resp, err := h(ctx, req)
		took := time.Since(start)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %d %s", name, err, resp.StatusCode, resp.Body)
		}
		got := m.Since(before)
		t.Logf("%s, %d affiliates: %d requests (%v), %.1f read units, %d KB answer, %v on DynamoDB Local",
			name, n, got.Total(), got, got.ReadUnits, len(resp.Body)/1024, took.Round(time.Millisecond))
		if got.Has("Scan") {
			t.Errorf("%s scans", name)
		}
		return resp, got
	}
	bounded := func(name string, got dynamometer.Counts) {
		t.Helper()
		if got.Total() > 5 || got.ReadUnits > 100 {
			t.Errorf("%s: %d requests, %.1f read units; SPEC 15 allows 5 and 100", name, got.Total(), got.ReadUnits)
		}
	}
	// Cold: the rules (what a cold start reads: the same at 10 or 10,000
	// affiliates) and the page; then warm.
	// A cold start reads the rules beside the page: a few KB, whatever the
	// number of affiliates (the demo's rules are under 8 KB).
	coldExtra := func(name string, cold, warm dynamometer.Counts) {
		t.Helper()
		if extra := cold.ReadBytes - warm.ReadBytes; extra > 8<<10 || cold.Total()-warm.Total() > 2 {
			t.Errorf("%s: a cold start read %d more bytes in %d more requests than a warm one", name, extra, cold.Total()-warm.Total())
		}
	}
	month := map[string]string{"month": "2026-11"}
	overview := admin.Overview(d)
	_, cold := view("/admin (month), cold", overview, "/admin", month)
	_, got := view("/admin (month)", overview, "/admin", month)
	bounded("/admin", got)
	coldExtra("/admin", cold, got)
	list := admin.Affiliates(d)
	d.ProgramChanged() // a cold start of the list's function
	first := map[string]string{"month": "2026-11", "sort": "-net_cents"}
	_, cold = view("/admin/affiliates (month), cold", list, "/admin/affiliates", first)
	_, got = view("/admin/affiliates (month), warm", list, "/admin/affiliates", first)
	coldExtra("/admin/affiliates", cold, got)
	var page struct {
		Affiliates []struct {
			Affiliate string `json:"affiliate"`
			NetCents  int64  `json:"net_cents"`
		} `json:"affiliates"`
		Next *string `json:"next"`
	}
	for _, q := range []map[string]string{{"month": "2026-11", "sort": "-net_cents"}, {"month": "2026-11", "sort": "name"}, {"period": "all", "sort": "-hits"}, {"period": "all"}} {
		resp, got := view(fmt.Sprintf("/admin/affiliates %v, first page", q), list, "/admin/affiliates", q)
		bounded("/admin/affiliates", got)
		if err := json.Unmarshal([]byte(resp.Body), &page); err != nil || len(page.Affiliates) != admin.PageSize || page.Next == nil {
			t.Fatalf("a page of %d, next %v, %v", len(page.Affiliates), page.Next, err)
		}
		q["page"] = *page.Next
		_, got = view(fmt.Sprintf("/admin/affiliates %v, next page", q), list, "/admin/affiliates", q)
		bounded("/admin/affiliates, next page", got)
	}
	// Another period: a page of 100 by code, each one's counters as their
	// own reports read them (the period's, the last 7 days', the latest
	// visit before them: 3 Queries each here); no ledger is read, none of
	// them having one (their payee markers say so, one BatchGetItem).
	_, got = view("/admin/affiliates, a custom period, first page", list, "/admin/affiliates", map[string]string{"from": "2026-11-10", "to": "2026-11-20"})
	if got.Requests["BatchGetItem"] < 1 || got.Requests["Query"] > 1+3*admin.PageSize {
		t.Errorf("a custom period's page: %v; want its page, the markers and each affiliate's counters (and latest visit) only", got)
	}
	resp, got := view("/admin/affiliates CSV of every affiliate (month)", list, "/admin/affiliates", map[string]string{"month": "2026-11", "format": "csv"})
	if rows := len(splitLines(resp.Body)) - 1; rows != n || got.Total() > 3*(n/admin.PageSize+1) {
		t.Errorf("CSV: %d rows in %d requests", rows, got.Total())
	}
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
