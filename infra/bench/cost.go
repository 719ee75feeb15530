package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/infra/seed"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/handlers/affiliate/reports"
	"github.com/tallyhq/tally/shared/handlers/checkout/webhooks"
	"github.com/tallyhq/tally/shared/handlers/public/clicks"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Cost is what one operation asked of DynamoDB, units at AWS's rates
// (transactional writes and reads at twice the plain rate).
type Cost struct {
	Operation  string         `json:"operation"`
	Requests   map[string]int `json:"requests"`
	Total      int            `json:"total_requests"`
	ReadUnits  float64        `json:"read_units"`
	WriteUnits float64        `json:"write_units"`
	// StripeCalls is the Stripe API calls a Stripe webhook made.
	StripeCalls int `json:"stripe_api_calls,omitempty"`
}

func costOf(op string, c dynamometer.Counts) Cost {
	return Cost{Operation: op, Requests: c.Requests, Total: c.Total(), ReadUnits: c.AWSReadUnits(), WriteUnits: c.AWSWriteUnits()}
}

// Names of the measured operations; the budgets refer to them.
const (
	opClick    = "click"
	opTagged   = "tagged click"
	opBot      = "bot click"
	opReplay   = "replayed order"
	opRefund   = "refund of 3 lines"
	opOptIn    = "opt-in"
	crowdedTag = " +100x elsewhere"
)

func opOrder(lines int) string {
	if lines == 1 {
		return "order of 1 line"
	}
	return fmt.Sprintf("order of %d lines", lines)
}

func opReport(view string) string { return "report " + view }

var (
	orderLines  = []int{1, 3, 20}
	reportViews = []string{"ledger", "link-stats", "products-sold", "commission-structure", "links", "balance", "payouts", "resources"}
	// now is the clock of every measured handler: mid-month, so the
	// month's entries are in the past.
	now    = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	month  = time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC)
	iPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
	slack  = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"
)

const (
	clickKey = "bench-click-key-0123456789abcdef0123456789"
	secret   = "whsec_YmVuY2gtd2ViaG9vay1zZWNyZXQtMDEyMzQ1Njc4OQ=="
)

// costs measures each operation once, through the handlers the Lambdas
// run, over a client metered by m. The reports are read over entries
// entries of one affiliate's month, then again after crowd times as many
// entries of other affiliates (in that month and the ones around it).
func costs(ctx context.Context, endpoint string, m *dynamometer.Meter, entries, crowd int) ([]Cost, error) {
	db := dynamodb.New(app.LocalDynamoDB(endpoint).Options(), m.Option())
	var out []Cost
	measure := func(op string, f func() error) error {
		before := m.Snapshot()
		if err := f(); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, costOf(op, m.Since(before)))
		return nil
	}

	d, err := newDeps(ctx, db, demo.WideProgram())
	if err != nil {
		return nil, err
	}
	defer dropTable(db, d.Config.Table)
	h := clicks.New(d)
	if err := measure(opClick, func() error { return click(ctx, h, iPhone) }); err != nil {
		return nil, err
	}
	if err := measure(opBot, func() error { return click(ctx, h, slack) }); err != nil {
		return nil, err
	}
	if err := measure(opTagged, func() error { return taggedClick(ctx, h, iPhone) }); err != nil {
		return nil, err
	}
	orders, optins := webhooks.Orders(d), webhooks.OptIns(d)
	// An affiliate's first entry writes its payee marker (a PutItem for
	// each earner, once: docs/table-design.md); the orders measured are
	// jane's later ones, so they differ only in their lines.
	warm := `{"id":"o-warm","type":"order.paid","occurred_at":"2026-11-02T15:00:00Z","currency":"USD","contact":{"email":"w@example.org"},"affiliate":"jane","items":[{"sku":"EXTRA-0","quantity":1,"unit_price_cents":1000}]}`
	if err := deliver(ctx, orders, "/webhooks/orders", warm, secret); err != nil {
		return nil, err
	}
	var replayed string // the 3-line order, delivered again
	for _, n := range orderLines {
		var items []string
		for i := range n {
			items = append(items, fmt.Sprintf(`{"sku":"EXTRA-%d","quantity":1,"unit_price_cents":1000}`, i))
		}
		body := fmt.Sprintf(`{"id":"o-%d","type":"order.paid","occurred_at":"2026-11-03T15:00:00Z","currency":"USD","contact":{"email":"c%d@example.org"},"affiliate":"jane","items":[%s]}`,
			n, n, strings.Join(items, ","))
		if err := measure(opOrder(n), func() error { return deliver(ctx, orders, "/webhooks/orders", body, secret) }); err != nil {
			return nil, err
		}
		if n == 3 {
			replayed = body
		}
	}
	if err := measure(opReplay, func() error { return deliver(ctx, orders, "/webhooks/orders", replayed, secret) }); err != nil {
		return nil, err
	}
	refund := `{"id":"r-3","type":"order.refunded","occurred_at":"2026-11-04T09:00:00Z","order_id":"o-3"}`
	if err := measure(opRefund, func() error { return deliver(ctx, orders, "/webhooks/orders", refund, secret) }); err != nil {
		return nil, err
	}
	optin := `{"id":"oi-1","occurred_at":"2026-11-03T14:00:00Z","event":"summit-2026","contact":{"email":"n@example.org"},"affiliate":"jane"}`
	if err := measure(opOptIn, func() error { return deliver(ctx, optins, "/webhooks/optins", optin, secret) }); err != nil {
		return nil, err
	}
	if err := checkoutCosts(ctx, d, measure, func() *Cost { return &out[len(out)-1] }); err != nil {
		return nil, err
	}

	// Reports on a table of their own, so the orders above are not in them.
	d, err = newDeps(ctx, db, demo.Program())
	if err != nil {
		return nil, err
	}
	defer dropTable(db, d.Config.Table)
	if err := seed.Month(ctx, d.Store, "jane", month, entries); err != nil {
		return nil, err
	}
	views := map[string]apigw.Handler{
		"ledger": reports.Ledger(d), "link-stats": reports.LinkStats(d), "products-sold": reports.ProductsSold(d),
		"commission-structure": reports.CommissionStructure(d), "links": reports.Links(d),
		"balance": reports.Balance(d), "payouts": reports.Payouts(d), "resources": reports.Resources(d),
	}
	read := func(tag string) error {
		for _, v := range reportViews {
			if err := measure(opReport(v)+tag, func() error { return view(ctx, views[v], v) }); err != nil {
				return err
			}
		}
		return nil
	}
	if err := read(""); err != nil {
		return nil, err
	}
	if err := crowdTable(ctx, d.Store, entries*crowd); err != nil {
		return nil, err
	}
	if err := read(crowdedTag); err != nil {
		return nil, err
	}
	if err := tagCosts(ctx, d, views["link-stats"], measure); err != nil {
		return nil, err
	}
	return out, nil
}

// crowdTable writes n entries of other affiliates, a month at a time
// spread over October to December, with two writers at once.
func crowdTable(ctx context.Context, st *store.Store, n int) error {
	months := []time.Time{month.AddDate(0, -1, 0), month, month.AddDate(0, 1, 0)}
	const per = 1000
	jobs := make(chan int)
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := seed.Month(ctx, st, fmt.Sprintf("other-%d", i/len(months)), months[i%len(months)], per); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < n/per; i++ {
		select {
		case jobs <- i:
		case err := <-errs:
			close(jobs)
			wg.Wait()
			return err
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// newDeps saves the program in a new table and builds warm Deps over it.
func newDeps(ctx context.Context, db *dynamodb.Client, p *program.Program) (*app.Deps, error) {
	if err := p.Index(); err != nil {
		return nil, err
	}
	table := "bench-" + nonce()
	// No stream: a stream costs no units, and DynamoDB Local's writes to a
	// table with one slow down as the streams it holds grow (see
	// docs/benchmarks.md): the crowd written here would slow the load.
	if err := dynamotest.CreateTable(ctx, db, table, sam.NoStream); err != nil {
		return nil, err
	}
	d := app.New(app.Config{Table: table, ClickKey: clickKey, WebhookSecrets: secret, ProgramTTL: time.Hour}, db,
		slog.New(slog.NewJSONHandler(io.Discard, nil)))
	d.Now = func() time.Time { return now }
	if _, err := d.Store.SaveProgram(ctx, p, now); err != nil {
		return nil, err
	}
	// Warm, as a warm function is: the program, the click's rules, the
	// affiliates the measured clicks and orders name (the order's own,
	// its products' speakers, the recruiters its overrides pay) and her
	// reports ask for.
	if _, err := d.Rules.Get(ctx); err != nil {
		return nil, err
	}
	for _, a := range p.Affiliates {
		if _, _, err := d.Affiliates.Affiliate(ctx, a.Code); err != nil {
			return nil, err
		}
	}
	if _, err := d.AffiliateView(ctx, "jane", false); err != nil { // her own pages' view
		return nil, err
	}
	_, err := d.Programs.Get(ctx)
	return d, err
}

func click(ctx context.Context, h *clicks.Handler, ua string) error {
	resp, err := h.Long(ctx, clickRequest(ua))
	if err == nil && resp.StatusCode != http.StatusFound {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return err
}

// clickRequest is the event API Gateway sends for jane's summit link.
func clickRequest(ua string) apigw.Request {
	req := apigw.Request{Version: "2.0", RouteKey: "GET /go/{event}/{affiliate}", RawPath: "/go/summit-2026/jane",
		RawQueryString: "utm_source=newsletter", Headers: map[string]string{"user-agent": ua, "host": "go.example.com"},
		PathParameters: map[string]string{"event": "summit-2026", "affiliate": "jane"}}
	req.RequestContext.HTTP.Method = http.MethodGet
	req.RequestContext.HTTP.Path = req.RawPath
	req.RequestContext.HTTP.UserAgent = ua
	return req
}

// deliver sends a webhook signed by the Standard Webhooks reference
// library and wants a 200.
func deliver(ctx context.Context, h apigw.Handler, path, body, secret string) error {
	id, ts, sig, err := sign(body, secret)
	if err != nil {
		return err
	}
	req := apigw.Request{Version: "2.0", RouteKey: "POST " + path, RawPath: path, Body: body, Headers: map[string]string{
		"content-type": "application/json", "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sig}}
	req.RequestContext.HTTP.Method = http.MethodPost
	resp, err := h(ctx, req)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d: %s", resp.StatusCode, resp.Body)
	}
	return err
}

// sign returns the webhook-id, webhook-timestamp and webhook-signature
// headers for a body, at the measured clock.
func sign(body, secret string) (id, ts, sig string, err error) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return "", "", "", err
	}
	id = "msg_" + nonce()
	sig, err = wh.Sign(id, now, []byte(body))
	return id, fmt.Sprint(now.Unix()), sig, err
}

// view reads one report as JSON, as jane.
func view(ctx context.Context, h apigw.Handler, name string) error { return viewBy(ctx, h, name, "") }

func dropTable(db *dynamodb.Client, table string) {
	_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
}

func nonce() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
