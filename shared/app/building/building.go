// Package building finishes large payouts in the background (SPEC 15): a
// payout's request takes affiliates a page at a time for its time budget,
// then answers 202 (building) and queues the payout; the worker goes on
// from the build's cursor, and, before its Lambda's deadline, queues the
// next run of it for the next invocation. The payout turns draft when its
// last page is done. Repeating the request with the same key continues it
// too.
package building

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tallyhq/tally/shared/adapters/queue"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/domain/payout"
	"github.com/tallyhq/tally/shared/domain/program"
)

// Message is what the payout queue carries: a payout being built, and the
// run of its build the message belongs to (a message of an older run is
// dropped).
type Message = queue.Run

// Queue sends a build's next run to the worker.
func Queue(ctx context.Context, sqs queue.Client, url string, b payout.Build) error {
	return queue.SendRun(ctx, sqs, url, Message{ID: b.ID, Run: b.Run})
}

// Defaults of the worker.
const (
	// Margin is the time kept before the Lambda's deadline: a page takes a
	// few seconds, and the next message must be sent before the end.
	Margin = 45 * time.Second
	// GiveUpAfter receives of the same message: the worker logs why and
	// stops (the same request again continues the payout).
	GiveUpAfter = 5
)

// Worker goes on with queued payouts.
type Worker struct {
	Store    *store.Store
	SQS      queue.Client
	QueueURL string
	Rules    func(ctx context.Context) (*program.Program, error)
	Log      *slog.Logger
	Now      func() time.Time
	// Margin: 0 means the default above. Budget, when set, also ends an
	// invocation's run after that long (as a deadline coming near does).
	Margin, Budget time.Duration
}

// NewWorker builds the worker from Deps: its cold start reads the rules
// only, and the affiliates a page at a time.
func NewWorker(d *app.Deps) *Worker {
	return &Worker{Store: d.Store, SQS: d.AWSSQS(), QueueURL: d.PayoutQueueURL(), Rules: d.Rules.Get, Log: d.Log, Now: d.Now}
}

// HandleSQS runs each message's payout; a message whose run failed for a
// reason that may pass (the table unreachable) comes back after the
// queue's visibility timeout, until GiveUpAfter.
func (w *Worker) HandleSQS(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	return queue.HandleRuns(ctx, ev, w.Log, GiveUpAfter, w.Run, func(_ context.Context, m Message, err error) {
		w.Log.Error("payout build stopped: repeat the request with the same Idempotency-Key to continue it", "payout", m.ID, "run", m.Run, "err", err.Error())
	}), nil
}

// Run goes on with a payout from where its build stands until it is made,
// another run takes over, or the deadline (or Budget) comes near: then it
// queues the next run.
func (w *Worker) Run(ctx context.Context, m Message) error {
	p, err := w.Rules(ctx)
	if err != nil {
		return err
	}
	margin := w.Margin
	if margin == 0 {
		margin = Margin
	}
	began := time.Now() // the wall clock, as the deadline's (Now may be a test's fixed one)
	stop := func() bool {
		if d, ok := ctx.Deadline(); ok && time.Until(d) < margin {
			return true
		}
		return w.Budget > 0 && time.Since(began) >= w.Budget
	}
	svc := &paying.Service{Store: w.Store, Log: w.Log, Now: w.Now}
	res, err := svc.Continue(ctx, p, m.ID, m.Run, stop)
	var f *fault.Error
	switch {
	case errors.As(err, &f) && f.Code == "nothing_payable":
		w.Log.Info("payout made nothing: no affiliate has enough payable", "payout", m.ID)
		return nil
	case err != nil:
		return err
	case res.Moved:
		w.Log.Info("payout message of no current run; dropped", "payout", m.ID, "run", m.Run)
		return nil
	case res.Build != nil:
		w.Log.Info("payout build continues in the next invocation", "payout", m.ID, "affiliates_done", res.Build.Affiliates)
		return Queue(ctx, w.SQS, w.QueueURL, *res.Build)
	}
	w.Log.Info("payout made", "payout", res.Payout.ID, "total_cents", res.Payout.TotalCents, "created", res.Created)
	return nil
}
