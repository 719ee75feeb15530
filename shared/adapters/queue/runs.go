package queue

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
)

// Run is what a background job's queue carries: the job, and the run of it
// the message belongs to (a worker drops a message of an older run). The
// import and payout-build workers share it.
type Run struct {
	ID  string `json:"id"`
	Run int64  `json:"run"`
}

// SendRun queues a job's run for its worker.
func SendRun(ctx context.Context, c Client, url string, r Run) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return Send(ctx, c, url, string(b), 0)
}

// HandleRuns runs each message's run with do. A message that does not
// decode is dropped; one whose run failed for a reason that may pass (the
// table unreachable) comes back after the queue's visibility timeout,
// until giveUpAfter receives: then stopped is told why, and it is dropped.
func HandleRuns(ctx context.Context, ev events.SQSEvent, log *slog.Logger, giveUpAfter int,
	do func(context.Context, Run) error, stopped func(context.Context, Run, error)) events.SQSEventResponse {
	var resp events.SQSEventResponse
	for _, m := range ev.Records {
		var r Run
		if err := json.Unmarshal([]byte(m.Body), &r); err != nil || r.ID == "" {
			log.Error("unreadable message of a job's queue; dropped", "message", m.MessageId)
			continue
		}
		err := do(ctx, r)
		if err == nil {
			continue
		}
		if tries, _ := strconv.Atoi(m.Attributes["ApproximateReceiveCount"]); tries >= giveUpAfter {
			stopped(ctx, r, err)
			continue
		}
		log.Warn("a job's run failed; it comes back after the queue's visibility timeout", "id", r.ID, "run", r.Run, "err", err.Error())
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
	}
	return resp
}
