package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
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
	return s, nil
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
