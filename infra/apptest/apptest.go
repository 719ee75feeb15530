// Package apptest is the one test harness of the handler packages: a fresh
// table on a test store holding a program, and the Deps a function builds
// at its cold start over it, every request to the table metered.
//
//	a := apptest.New(t, apptest.Config(func(c *app.Config) { c.WebhookSecrets = secret }), apptest.Warm())
//	h := webhooks.Orders(a.Deps)
package apptest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/program"
)

// ClickKey is the click key every App is configured with (TALLY_CLICK_KEY).
const ClickKey = "test-click-key-0123456789abcdef0123456789"

// App is one test's application.
type App struct {
	*app.Deps
	Program *program.Program   // the program as loaded, with its short codes
	Meter   *dynamometer.Meter // every request to the table
	Keys    *clicktoken.Keys   // ClickKey's, to sign and read click tokens
}

type options struct {
	on      dynamotest.Store
	program *program.Program
	config  []func(*app.Config)
	now     func() time.Time
	warm    bool
}

// Option changes what New builds.
type Option func(*options)

// On is the store the table is made on (default DynamoDB Local).
func On(s dynamotest.Store) Option { return func(o *options) { o.on = s } }

// Program is the program loaded (default the demo program).
func Program(p *program.Program) Option { return func(o *options) { o.program = p } }

// Config sets what the function's environment would (the table and click
// key are set already).
func Config(f func(*app.Config)) Option { return func(o *options) { o.config = append(o.config, f) } }

// Clock is the handlers' clock (default time.Now).
func Clock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// Warm reads the program once before the test, as a warm function has (and
// the rules, each affiliate and each coupon code's holder, as a warm click
// or webhook function has).
func Warm() Option { return func(o *options) { o.warm = true } }

// New builds a test's application. Its log is discarded unless the test
// runs with -v.
func New(tb testing.TB, opts ...Option) *App {
	tb.Helper()
	o := options{on: dynamotest.DynamoDBLocal}
	for _, f := range opts {
		f(&o)
	}
	if o.program == nil {
		o.program = demo.Program()
	}
	a := &App{Meter: &dynamometer.Meter{}}
	db := dynamodb.New(o.on.Client(tb).Options(), a.Meter.Option())
	st := store.New(db, dynamotest.NewTable(tb, db))
	a.Program = dynamotest.Load(tb, st, o.program)
	cfg := app.Config{Table: st.Table, ClickKey: ClickKey, ProgramTTL: time.Hour}
	for _, f := range o.config {
		f(&cfg)
	}
	var logw io.Writer = io.Discard
	if testing.Verbose() {
		logw = os.Stderr
	}
	a.Deps = app.New(cfg, db, slog.New(slog.NewJSONHandler(logw, nil)))
	if o.now != nil {
		a.Deps.Now = o.now
	}
	a.Keys = a.ClickKeys()
	if o.warm {
		p, err := a.Programs.Get(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		// The rules, and every affiliate read by key once, as a warm click
		// function has after a click on each.
		if _, err := a.Rules.Get(context.Background()); err != nil {
			tb.Fatal(err)
		}
		for _, x := range p.Affiliates {
			if _, _, err := a.Affiliates.Affiliate(context.Background(), x.Code); err != nil {
				tb.Fatal(err)
			}
			// and each coupon code's holder, as after an order with each
			for _, c := range x.Coupons {
				if _, _, err := a.Affiliates.CouponHolder(context.Background(), c); err != nil {
					tb.Fatal(err)
				}
			}
		}
	}
	return a
}
