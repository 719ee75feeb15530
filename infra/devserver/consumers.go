package devserver

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/tallyhq/tally/infra/eventsource"
	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/period"
	"github.com/tallyhq/tally/shared/handlers/background/notify"
	"github.com/tallyhq/tally/shared/handlers/background/summaries"
	"github.com/tallyhq/tally/shared/lambdas"
)

// Local queue URLs when no SQS endpoint is given.
const (
	memQueueURL = "local://webhooks"
	memDLQURL   = "local://webhooks-dead"
	// memImportQueueURL is the large imports' queue, in the same place.
	memImportQueueURL = "local://imports"
	// memPayoutQueueURL is the queue of payouts being built.
	memPayoutQueueURL = "local://payouts"
)

// background runs what Lambda runs from the stream, queues and schedules on
// AWS: the same functions, fed by pollers.
type background struct {
	stop context.CancelFunc
	wg   sync.WaitGroup
}

func (b *background) close() {
	if b == nil {
		return
	}
	b.stop()
	b.wg.Wait()
}

func (b *background) run(ctx context.Context, f func(context.Context) error) {
	b.wg.Add(1)
	go func() { defer b.wg.Done(); _ = f(ctx) }()
}

// startConsumers runs, until Close, every function template.yaml triggers
// from the table's stream, a queue or a schedule, built by the constructor
// lambdas.All names for it, as routes are.
func (s *Server) startConsumers(raw sam.Raw, db *dynamodb.Client, table string) error {
	triggers := raw.Triggers()
	ctx, cancel := context.WithCancel(context.Background())
	b := &background{stop: cancel}
	s.bg = b
	onErr := func(what string) func(error) {
		return func(err error) { s.Deps.Log.Warn(what, "err", err.Error()) }
	}
	// The queues template.yaml names, by logical ID.
	queues := map[string]string{"WebhookQueue": s.Deps.Config.WebhookQueueURL, "ImportQueue": s.Deps.Config.ImportQueueURL,
		"PayoutQueue": s.Deps.Config.PayoutQueueURL}
	streamARN := ""
	for _, t := range triggers {
		if t.Type == string(lambdas.Route) || t.Type == string(lambdas.Authorizer) {
			continue
		}
		f, ok := lambdas.Find(t.Function)
		if !ok || string(f.Trigger()) != t.Type {
			return fmt.Errorf("template.yaml triggers %s from %s; lambdas.All has it as %q", t.Function, t.Type, f.Trigger())
		}
		switch lambdas.Trigger(t.Type) {
		case lambdas.Stream:
			h := eventsource.Lambda(f.Stream(s.Deps))
			if s.feed != nil {
				b.run(ctx, func(ctx context.Context) error { return s.feed.Run(ctx, t.Function, h) })
				continue
			}
			if streamARN == "" {
				out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
				if err != nil {
					return err
				}
				if streamARN = aws.ToString(out.Table.LatestStreamArn); streamARN == "" {
					return fmt.Errorf("table %s has no stream (template.yaml enables one)", table)
				}
			}
			p := &eventsource.StreamPoller{Client: app.LocalStreams(s.Endpoint), StreamARN: streamARN, OnError: onErr(t.Function + " stream")}
			b.run(ctx, func(ctx context.Context) error { return p.Run(ctx, h) })
		case lambdas.Queue:
			url, ok := queues[t.Source]
			if !ok {
				return fmt.Errorf("%s reads queue %s, which the dev server does not have", t.Function, t.Source)
			}
			// As on AWS: what is received stays hidden for the queue's
			// visibility timeout, and each invocation has the function's
			// timeout as its deadline.
			qp := &eventsource.QueuePoller{SQS: s.Deps.SQS, QueueURL: url, OnError: onErr(t.Source), Visibility: seconds(sam.Path(raw.Props(t.Source), "VisibilityTimeout"))}
			h, limit := f.Queue(s.Deps), seconds(raw.Props(t.Function)["Timeout"])
			if limit == 0 {
				limit = seconds(sam.Path(raw, "Globals", "Function", "Timeout"))
			}
			b.run(ctx, func(ctx context.Context) error {
				return qp.Run(ctx, func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
					ctx, cancel := context.WithTimeout(ctx, limit)
					defer cancel()
					return h(ctx, ev)
				})
			})
		case lambdas.Schedule:
			h := f.Schedule(s.Deps)
			if d, ok := rate(t.Source); ok {
				b.run(ctx, func(ctx context.Context) error { return s.every(ctx, d, t.Function, h) })
				continue
			}
			hour, minute, err := daily(t.Source)
			if err != nil {
				return fmt.Errorf("%s: %w", t.Function, err)
			}
			b.run(ctx, func(ctx context.Context) error { return s.everyDay(ctx, hour, minute, t.Function, h) })
		}
	}
	return nil
}

// seconds is a template's number of seconds (0 when absent).
func seconds(v any) time.Duration {
	n, _ := strconv.Atoi(fmt.Sprint(v))
	return time.Duration(n) * time.Second
}

// everyDay runs h at hour:minute in the program's zone, as the schedule's
// ScheduleExpressionTimezone does on AWS.
func (s *Server) everyDay(ctx context.Context, hour, minute int, name string, h lambdas.ScheduledHandler) error {
	for {
		now := time.Now().In(s.Program.Location())
		next := time.Date(now.Year(), now.Month(), now.Day(), hour, minute, 0, 0, now.Location())
		if !next.After(now) {
			next = next.AddDate(0, 0, 1)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Until(next)):
		}
		if err := h(ctx, notify.DigestInput{}); err != nil {
			s.Deps.Log.Warn(name, "err", err.Error())
		}
	}
}

// every runs h each d, as a rate schedule does on AWS.
func (s *Server) every(ctx context.Context, d time.Duration, name string, h lambdas.ScheduledHandler) error {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if err := h(ctx, notify.DigestInput{}); err != nil {
			s.Deps.Log.Warn(name, "err", err.Error())
		}
	}
}

// rate reads a rate schedule, "rate(N minute|minutes|hour|hours|day|days)".
func rate(expr string) (time.Duration, bool) {
	var n int
	var unit string
	if _, err := fmt.Sscanf(expr, "rate(%d %s", &n, &unit); err != nil || n < 1 || !strings.HasSuffix(unit, ")") {
		return 0, false
	}
	units := map[string]time.Duration{"minute": time.Minute, "minutes": time.Minute, "hour": time.Hour, "hours": time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour}
	u, ok := units[strings.TrimSuffix(unit, ")")]
	if !ok || (n == 1) != !strings.HasSuffix(strings.TrimSuffix(unit, ")"), "s") {
		return 0, false // AWS takes "1 minute" and "5 minutes" only
	}
	return time.Duration(n) * u, true
}

// daily reads a daily schedule, "cron(M H * * ? *)"; the dev server runs
// no other kind.
func daily(expr string) (hour, minute int, err error) {
	var m, h, rest string
	if _, err := fmt.Sscanf(expr, "cron(%s %s %s", &m, &h, &rest); err != nil || expr != "cron("+m+" "+h+" * * ? *)" {
		return 0, 0, fmt.Errorf("schedule %q is not daily, cron(M H * * ? *)", expr)
	}
	minute, err1 := strconv.Atoi(m)
	hour, err2 := strconv.Atoi(h)
	if err1 != nil || err2 != nil || hour < 0 || hour > 23 || minute < 0 || minute > 59 {
		return 0, 0, fmt.Errorf("schedule %q is not daily, cron(M H * * ? *)", expr)
	}
	return hour, minute, nil
}

// summariesFunction keeps the owner's summaries and the leaderboards from
// the stream; it writes only to the table.
const summariesFunction = "BoardStreamFunction"

// catchUpSummaries is, on a server without its background consumers (the
// tests'), what brings the owner's summaries up to date before a page that
// reads them: the function Lambda runs from the stream, fed every record
// written so far; or, on a table made without a stream (the tests' own
// tables: DynamoDB Local writes several times slower with one), the
// summaries recomputed from their source items as tallyctl
// rebuild-summaries does. On AWS the same rows follow the stream within a
// second or so; here a test reads what they would show once caught up.
func (s *Server) catchUpSummaries(db *dynamodb.Client, table string) (func(context.Context) error, error) {
	f, ok := lambdas.Find(summariesFunction)
	if !ok || f.Stream == nil {
		return nil, fmt.Errorf("lambdas.All has no stream function %s", summariesFunction)
	}
	h := eventsource.Lambda(f.Stream(s.Deps))
	var mu sync.Mutex // one catch-up at a time: each record is folded in order
	if s.feed != nil {
		return func(ctx context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			return s.feed.CatchUp(ctx, summariesFunction, h)
		}, nil
	}
	out, err := db.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return nil, err
	}
	if arn := aws.ToString(out.Table.LatestStreamArn); arn != "" {
		p := &eventsource.StreamPoller{Client: app.LocalStreams(s.Endpoint), StreamARN: arn}
		return func(ctx context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			return p.CatchUp(ctx, h)
		}, nil
	}
	// Recomputed on a client of its own, whose writes are not counted, and
	// only when something was written (or the month turned) since.
	own := store.New(app.LocalDynamoDB(s.Endpoint), table)
	seen, seenMonth := int64(-1), ""
	return func(ctx context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		n, now := s.writes.Load(), s.Deps.Now()
		p, err := s.Deps.Programs.Get(ctx)
		if err != nil {
			return err
		}
		month := period.Date(now, p.Location())[:7]
		if n == seen && month == seenMonth {
			return nil
		}
		if _, err = summaries.Rebuild(ctx, own, p, now); err == nil {
			seen, seenMonth = n, month
		}
		return err
	}, nil
}

// countWrites counts a client's successful writes in n.
func countWrites(n *atomic.Int64) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("countwrites",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					out, md, err := next.HandleInitialize(ctx, in)
					switch middleware.GetOperationName(ctx) {
					case "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem":
						n.Add(1)
					}
					return out, md, err
				}), middleware.After)
		})
	}
}
