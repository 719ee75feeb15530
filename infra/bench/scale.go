package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/background/summaries"
	"github.com/tallyhq/tally/shared/handlers/owner/admin"
	"github.com/tallyhq/tally/shared/handlers/public/clicks"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Scale is one program size of SPEC 15's measure: what grows with the
// number of affiliates, and what must not.
type Scale struct {
	Affiliates int `json:"affiliates"`
	Events     int `json:"events"`
	// Import is adding them all as the owner's import does, 1,000 rows a
	// request (each affiliate in 2 events).
	ImportSeconds float64 `json:"import_seconds"`
	Import        Cost    `json:"import"`
	// ColdRules is a cold start of a function that reads the rules only
	// (the click functions); ColdProgram one that reads the whole program
	// partition, affiliates and links included (every other function,
	// until they move to the rules too).
	ColdRules        Cost `json:"cold_start_rules"`
	ColdRulesBytes   int  `json:"cold_start_rules_bytes"`
	ColdProgram      Cost `json:"cold_start_program"`
	ColdProgramBytes int  `json:"cold_start_program_bytes"`
	// FirstClick is a warm function's first click on an affiliate it has
	// not read yet; WarmClick the next one.
	FirstClick Cost `json:"first_click"`
	WarmClick  Cost `json:"warm_click"`
	// The owner's pages after a month of activity for every affiliate,
	// summaries set as tallyctl rebuild-summaries sets them: each view
	// cold (the rules and the page) and warm (the page alone).
	ActivitySeconds float64 `json:"activity_seconds"`
	RebuildSeconds  float64 `json:"rebuild_seconds"`
	OwnerPages      []Page  `json:"owner_pages"`
	// Balances is the first page of /admin/balances (cold and warm) and
	// BalancesLedgers how many of its affiliates have a ledger (the page
	// reads theirs only); BalancesCSV the CSV of every affiliate, warm.
	Balances        Page `json:"balances_page"`
	BalancesLedgers int  `json:"balances_page_ledgers"`
	BalancesCSV     Page `json:"balances_csv"`
}

// Page is one view of an owner's page: what it read cold and warm.
type Page struct {
	View      string `json:"view"`
	Cold      Cost   `json:"cold"`
	ColdBytes int    `json:"cold_bytes"`
	Warm      Cost   `json:"warm"`
	WarmBytes int    `json:"warm_bytes"`
	Rows      int    `json:"rows"`
	// Seconds is how long the warm view took (the CSV of balances).
	Seconds float64 `json:"seconds,omitempty"`
}

// scaleEvents is how many events the scale's program has (SPEC 15: 10).
const scaleEvents = 10

// scales measures programs of each size on fresh tables (no stream).
func scales(ctx context.Context, endpoint string, sizes []int) ([]Scale, error) {
	var out []Scale
	for _, n := range sizes {
		s, err := scale(ctx, endpoint, n)
		if err != nil {
			return out, fmt.Errorf("%d affiliates: %w", n, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func scale(ctx context.Context, endpoint string, n int) (Scale, error) {
	var m dynamometer.Meter
	db := dynamodb.New(app.LocalDynamoDB(endpoint).Options(), m.Option())
	p := tenEvents()
	d, err := newDeps(ctx, db, p)
	if err != nil {
		return Scale{}, err
	}
	defer dropTable(db, d.Config.Table)
	s := Scale{Affiliates: n, Events: len(p.Events)}

	before, start := m.Snapshot(), time.Now()
	codes, err := importAffiliates(ctx, d.Store, n)
	if err != nil {
		return s, err
	}
	s.ImportSeconds = time.Since(start).Seconds()
	s.Import = costOf("import", m.Since(before))

	// A new function on the same table: its cold start.
	cold := app.New(d.Config, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	cold.Now = d.Now
	before = m.Snapshot()
	if _, err := cold.Rules.Get(ctx); err != nil {
		return s, err
	}
	c := m.Since(before)
	s.ColdRules, s.ColdRulesBytes = costOf("cold start: rules", c), c.ReadBytes
	before = m.Snapshot()
	if _, err := cold.Programs.Get(ctx); err != nil {
		return s, err
	}
	c = m.Since(before)
	s.ColdProgram, s.ColdProgramBytes = costOf("cold start: program", c), c.ReadBytes

	h := clicks.New(cold)
	last := codes[len(codes)-1]
	before = m.Snapshot()
	if err := clickOn(ctx, h, last); err != nil {
		return s, err
	}
	s.FirstClick = costOf("first click on an affiliate", m.Since(before))
	before = m.Snapshot()
	if err := clickOn(ctx, h, last); err != nil {
		return s, err
	}
	s.WarmClick = costOf("warm click", m.Since(before))

	start = time.Now()
	if err := monthOfActivity(ctx, d.Store, codes); err != nil {
		return s, err
	}
	s.ActivitySeconds = time.Since(start).Seconds()
	start = time.Now()
	whole, err := cold.Programs.Get(ctx)
	if err != nil {
		return s, err
	}
	if _, err := summaries.Rebuild(ctx, d.Store, whole, d.Now()); err != nil {
		return s, err
	}
	s.RebuildSeconds = time.Since(start).Seconds()
	if s.OwnerPages, err = ownerPages(ctx, &m, d, db); err != nil {
		return s, err
	}
	err = balances(ctx, &m, d, db, &s)
	return s, err
}

// balances measures the owner's balances after the month: the first page
// of /admin/balances in a new function and again, then the CSV of all.
func balances(ctx context.Context, m *dynamometer.Meter, d *app.Deps, db *dynamodb.Client, s *Scale) error {
	h := admin.Balances(coldFunction(d, db))
	view := func(q map[string]string) (apigw.Response, dynamometer.Counts, time.Duration, error) {
		before, start := m.Snapshot(), time.Now()
		resp, err := ownerView(ctx, h, "/admin/balances", q)
		return resp, m.Since(before), time.Since(start), err
	}
	s.Balances.View = "/admin/balances, the first page"
	_, c, _, err := view(nil)
	if err != nil {
		return err
	}
	s.Balances.Cold, s.Balances.ColdBytes = costOf(s.Balances.View+", cold", c), c.ReadBytes
	resp, c, took, err := view(nil)
	if err != nil {
		return err
	}
	s.Balances.Warm, s.Balances.WarmBytes, s.Balances.Seconds = costOf(s.Balances.View, c), c.ReadBytes, took.Seconds()
	var page struct {
		Balances []struct {
			Held      int64 `json:"held_cents"`
			Available int64 `json:"available_cents"`
			InPayout  int64 `json:"in_payout_cents"`
			Paid      int64 `json:"paid_cents"`
		} `json:"balances"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &page); err != nil {
		return fmt.Errorf("/admin/balances: %w", err)
	}
	s.Balances.Rows = len(page.Balances)
	for _, b := range page.Balances {
		if b.Held != 0 || b.Available != 0 || b.InPayout != 0 || b.Paid != 0 {
			s.BalancesLedgers++
		}
	}
	s.BalancesCSV.View = "/admin/balances, the CSV of every affiliate"
	resp, c, took, err = view(map[string]string{"format": "csv"})
	if err != nil {
		return err
	}
	s.BalancesCSV.Warm, s.BalancesCSV.WarmBytes, s.BalancesCSV.Seconds = costOf(s.BalancesCSV.View, c), c.ReadBytes, took.Seconds()
	s.BalancesCSV.Rows = strings.Count(resp.Body, "\n") - 1
	return nil
}

// monthOfActivity gives every affiliate a day of hits and an order with
// its commission, spread over the month of now and its ten events.
func monthOfActivity(ctx context.Context, st *store.Store, codes []string) error {
	return store.EachParallel((len(codes)+99)/100, 4, func(part int) error {
		var b store.Batch
		for i := part * 100; i < min(len(codes), (part+1)*100); i++ {
			day := now.AddDate(0, 0, -(i % 20))
			date := day.Format("2006-01-02")
			ev := "summit-2026"
			if i%2 == 1 {
				ev = fmt.Sprintf("launch-%d", 3+i%(scaleEvents-3))
			}
			b.Counters = append(b.Counters, store.Counters{Affiliate: codes[i], Date: date, Event: ev,
				StatDelta: store.StatDelta{Hits: int64(1 + i%37), Orders: int64(i % 3), RevenueCents: int64(i%3) * 9700}})
			if i%3 != 0 {
				b.Entries = append(b.Entries, ledger.Entry{ID: "o:bench-" + codes[i], Affiliate: codes[i], At: day, Type: ledger.TypeReferral,
					AmountCents: int64(i%3) * 4850, AvailableOn: day.AddDate(0, 0, 30)})
			}
		}
		return st.Import(ctx, b)
	})
}

// ownerPages measures /admin and pages of /admin/affiliates, each first
// in a new function (cold) and then again (warm).
func ownerPages(ctx context.Context, m *dynamometer.Meter, d *app.Deps, db *dynamodb.Client) ([]Page, error) {
	month := now.Format("2006-01")
	views := []struct {
		name, path string
		q          map[string]string
		handler    func(*app.Deps) apigw.Handler
	}{
		{"/admin, the month", "/admin", map[string]string{"month": month}, admin.Overview},
		{"/admin/affiliates, the month by -net_cents", "/admin/affiliates", map[string]string{"month": month, "sort": "-net_cents"}, admin.Affiliates},
		{"/admin/affiliates, all time by name", "/admin/affiliates", map[string]string{"period": "all", "sort": "name"}, admin.Affiliates},
	}
	var out []Page
	for _, v := range views {
		h := v.handler(coldFunction(d, db))
		pg := Page{View: v.name}
		for i := range 2 {
			before := m.Snapshot()
			resp, err := ownerView(ctx, h, v.path, v.q)
			if err != nil {
				return out, fmt.Errorf("%s: %w", v.name, err)
			}
			c := m.Since(before)
			if i == 0 {
				pg.Cold, pg.ColdBytes = costOf(v.name+", cold", c), c.ReadBytes
				continue
			}
			pg.Warm, pg.WarmBytes = costOf(v.name, c), c.ReadBytes
			var page struct{ Affiliates []json.RawMessage }
			if json.Unmarshal([]byte(resp.Body), &page) == nil {
				pg.Rows = len(page.Affiliates)
			}
		}
		out = append(out, pg)
	}
	return out, nil
}

// tenEvents is the demo program with seven more events, ten in all.
func tenEvents() *program.Program {
	p := demo.Program()
	for i := len(p.Events); i < scaleEvents; i++ {
		p.Events = append(p.Events, program.Event{Slug: fmt.Sprintf("launch-%d", i), Name: fmt.Sprintf("Launch %d", i),
			URL: fmt.Sprintf("https://example.com/launch-%d", i)})
	}
	return p
}

// importAffiliates adds n affiliates as the owner's import does, 1,000
// rows a request, each in the summit and one of the other events.
func importAffiliates(ctx context.Context, st *store.Store, n int) ([]string, error) {
	var codes []string
	const chunk = 1000
	for from := 0; from < n; from += chunk {
		var b strings.Builder
		b.WriteString("code,name,email,plan,events,coupons\n")
		for i := from; i < min(from+chunk, n); i++ {
			code := fmt.Sprintf("aff-%05d", i)
			fmt.Fprintf(&b, "%s,Affiliate %d,%s@example.org,standard,summit-2026;launch-%d,%s\n", code, i, code, 3+i%(scaleEvents-3), strings.ToUpper(code))
			codes = append(codes, code)
		}
		if _, err := st.ImportCSV(ctx, []byte(b.String()), now); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

func clickOn(ctx context.Context, h *clicks.Handler, code string) error {
	path := "/go/summit-2026/" + code
	req := apigw.Request{Version: "2.0", RouteKey: "GET /go/{event}/{affiliate}", RawPath: path,
		Headers:        map[string]string{"user-agent": iPhone, "host": "go.example.com"},
		PathParameters: map[string]string{"event": "summit-2026", "affiliate": code}}
	req.RequestContext.HTTP.Method = http.MethodGet
	req.RequestContext.HTTP.Path = path
	req.RequestContext.HTTP.UserAgent = iPhone
	resp, err := h.Long(ctx, req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusFound {
		return fmt.Errorf("click on %s: status %d", code, resp.StatusCode)
	}
	return nil
}

// coldFunction is a new function over d's table, as a cold start makes it.
func coldFunction(d *app.Deps, db *dynamodb.Client) *app.Deps {
	fn := app.New(d.Config, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	fn.Now = d.Now
	return fn
}

// ownerView is a GET of path with q as the owner's API key makes it (the
// authorizer's context in place), answered 200.
func ownerView(ctx context.Context, h apigw.Handler, path string, q map[string]string) (apigw.Response, error) {
	req := apigw.Request{RawPath: path, QueryStringParameters: q,
		Headers: map[string]string{"accept": "application/json", "authorization": "Bearer dev-owner-key"}}
	req.RequestContext.HTTP.Method = http.MethodGet
	req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"role": "owner", "subject": "Accounts", "auth": "ok"}}
	resp, err := h(ctx, req)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s %v: %d %.200s", path, q, resp.StatusCode, resp.Body)
	}
	return resp, err
}
