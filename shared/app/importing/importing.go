// Package importing writes a large affiliate import in the background (SPEC
// 15): the request keeps the checked file in the table and queues its
// job; the worker writes it part by part, records progress after each
// part, and, before its Lambda's deadline, queues the next part for the
// next invocation. Sending the same file again continues a job that
// stopped.
package importing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tallyhq/tally/shared/adapters/queue"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
)

// Message is what the import queue carries: a job, and the run of it the
// message belongs to (a message of an older run is dropped).
type Message = queue.Run

// Start keeps a checked file for its job, starts a run of it (continuing
// an unfinished one), and queues the run's first part.
func Start(ctx context.Context, st *store.Store, sqs queue.Client, queueURL string, data []byte, rows int, now time.Time) (store.ImportJob, error) {
	job, err := st.StartImport(ctx, data, rows, now)
	if err != nil {
		return job, err
	}
	return job, queue.SendRun(ctx, sqs, queueURL, Message{ID: job.ID, Run: job.Run})
}

// Defaults of the worker.
const (
	// PartRows is how many rows are written between progress records: an
	// interrupted run redoes at most this many.
	PartRows = 250
	// Parallel rows are written at once, each its own transaction.
	Parallel = 8
	// Margin is the time kept before the Lambda's deadline: a part takes
	// a few seconds, and the next message must be sent before the end.
	Margin = 45 * time.Second
	// VersionEvery is how often a run bumps the program's version while it
	// writes (and once at its end), so every function's cache sees the new
	// affiliates without reloading the program after every part.
	VersionEvery = 30 * time.Second
	// GiveUpAfter receives of the same message: the run records why and
	// stops (sending the file again starts a new one).
	GiveUpAfter = 5
)

// Worker writes queued import jobs.
type Worker struct {
	Store    *store.Store
	SQS      queue.Client
	QueueURL string
	Log      *slog.Logger
	Now      func() time.Time
	// PartRows, Parallel, Margin: 0 means the defaults above.
	PartRows, Parallel int
	Margin             time.Duration
	// Interrupt, when set, is asked after each part is recorded: true
	// stops the run there as a crash would (nothing more is sent).
	Interrupt func(store.ImportJob) bool
}

// NewWorker builds the worker from Deps.
func NewWorker(d *app.Deps) *Worker {
	return &Worker{Store: d.Store, SQS: d.AWSSQS(), QueueURL: d.ImportQueueURL(), Log: d.Log, Now: d.Now}
}

// HandleSQS runs each message's job; a message whose run failed for a
// reason that may pass (the table unreachable) comes back after the
// queue's visibility timeout, until GiveUpAfter: then the job records why.
func (w *Worker) HandleSQS(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	return queue.HandleRuns(ctx, ev, w.Log, GiveUpAfter, w.Run, func(ctx context.Context, m Message, err error) {
		log := w.Log.With("import_id", m.ID, "run", m.Run, "err", err.Error())
		log.Error("import stopped: send the file again to continue it")
		if gerr := w.giveUp(ctx, m, err); gerr != nil {
			log.Error("could not record why the import stopped", "record_err", gerr.Error())
		}
	}), nil
}

func (w *Worker) giveUp(ctx context.Context, m Message, cause error) error {
	job, err := w.Store.GetImport(ctx, m.ID, w.Now())
	if err != nil || job == nil || job.Run != m.Run || job.Status != store.ImportRunning {
		return err
	}
	job.Error, job.UpdatedAt = cause.Error(), w.Now().UTC()
	return w.Store.SaveImportProgress(ctx, *job, job.DoneRows)
}

// Run writes a job's rows from where it stands, part by part, until it is
// done, another run takes over, or the deadline comes near: then it queues
// the next part. The file is planned again against the table as it is now,
// so rows written before (by this or an earlier run) are unchanged, and a
// row that no longer fits is failed with its reason.
func (w *Worker) Run(ctx context.Context, m Message) error {
	job, err := w.Store.GetImport(ctx, m.ID, w.Now())
	if err != nil {
		return err
	}
	if job == nil || job.Run != m.Run || job.Status != store.ImportRunning {
		w.Log.Info("import message of no current run; dropped", "import_id", m.ID, "run", m.Run)
		return nil
	}
	data, err := w.Store.ImportFile(ctx, *job)
	if err != nil {
		return err
	}
	p, err := w.Store.ImportView(ctx, data)
	if err != nil {
		return err
	}
	im, probs := program.PlanImportRows(p, data)
	steps := im.Steps(probs, job.NextLine)
	log := w.Log.With("import_id", job.ID, "run", job.Run)

	partRows, margin := or(w.PartRows, PartRows), w.Margin
	if margin == 0 {
		margin = Margin
	}
	wrote, bumped := false, w.Now()
	bump := func() error {
		if !wrote {
			return nil
		}
		wrote, bumped = false, w.Now()
		return w.Store.BumpProgramVersion(ctx)
	}
	for len(steps) > 0 {
		n := min(partRows, len(steps))
		part := steps[:n]
		steps = steps[n:]
		prev, before := job.DoneRows, job.Imported+job.Updated
		if err := w.writePart(ctx, job, part); err != nil {
			wrote = true // some of the part's rows may be written
			return errors.Join(err, bump())
		}
		wrote = wrote || job.Imported+job.Updated > before
		if len(steps) == 0 {
			job.Status = store.ImportDone
			if err := bump(); err != nil {
				return err
			}
		}
		job.UpdatedAt = w.Now().UTC()
		if err := w.Store.SaveImportProgress(ctx, *job, prev); err != nil {
			if errors.Is(err, store.ErrImportMoved) {
				log.Info("import started again; this run stops", "done_rows", job.DoneRows)
				return bump()
			}
			return errors.Join(err, bump())
		}
		if w.Interrupt != nil && w.Interrupt(*job) {
			return nil
		}
		if w.Now().Sub(bumped) >= VersionEvery {
			if err := bump(); err != nil {
				return err
			}
		}
		if d, ok := ctx.Deadline(); ok && len(steps) > 0 && time.Until(d) < margin {
			log.Info("import continues in the next invocation", "done_rows", job.DoneRows, "rows", job.Rows)
			if err := bump(); err != nil {
				return err
			}
			return queue.SendRun(ctx, w.SQS, w.QueueURL, m)
		}
	}
	log.Info("import done", "rows", job.Rows, "imported", job.Imported, "updated", job.Updated, "unchanged", job.Unchanged, "failed", job.FailedRows)
	return nil
}

// writePart writes a part's rows and counts what each did into job. A row
// refused by its conditions fails with its reason; anything else (the
// table unreachable) fails the part, which is redone.
func (w *Worker) writePart(ctx context.Context, job *store.ImportJob, part []program.ImportStep) error {
	var rows []program.ImportRow
	for _, s := range part {
		switch {
		case s.Row != nil:
			rows = append(rows, *s.Row)
		case s.Problem != "":
			failed(job, s.Line, s.Problem)
		default:
			job.Unchanged++
		}
	}
	for _, r := range w.Store.WriteImportRows(ctx, rows, or(w.Parallel, Parallel), w.Now()) {
		switch {
		case r.Err != nil:
			msg, ok := refusal(r.Err)
			if !ok {
				return fmt.Errorf("line %d: %w", r.Line, r.Err)
			}
			failed(job, r.Line, msg)
		case r.New:
			job.Imported++
		case r.Updated:
			job.Updated++
		default:
			job.Unchanged++
		}
	}
	job.DoneRows += len(part)
	job.NextLine = part[len(part)-1].Line + 1
	return nil
}

func failed(job *store.ImportJob, line int, msg string) {
	job.FailedRows++
	if len(job.Failed) < store.MaxImportFailed {
		job.Failed = append(job.Failed, program.LineProblem{Line: line, Message: msg})
	}
}

// refusal is a row's write refused by its conditions, as the owner reads it.
func refusal(err error) (string, bool) {
	var ct *store.CouponTaken
	switch {
	case errors.As(err, &ct):
		return fmt.Sprintf("coupons: %q was taken by another affiliate meanwhile", ct.Code), true
	case errors.Is(err, store.ErrCodeTaken):
		return "the code was taken meanwhile (added on the dashboard or by signup)", true
	case errors.Is(err, store.ErrAffiliateChanged):
		return "the affiliate was changed meanwhile: send the file again to update it", true
	}
	return "", false
}

func or(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
