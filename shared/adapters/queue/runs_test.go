package queue_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tallyhq/tally/shared/adapters/queue"
)

// A job's queue: a run that worked is done, one that failed comes back
// (a batch item failure) until its last receive, when it is given up and
// the worker told why; a body that is no run is dropped.
func TestAJobsRunComesBackUntilItIsGivenUp(t *testing.T) {
	msg := func(id, body, receives string) events.SQSMessage {
		return events.SQSMessage{MessageId: id, Body: body, Attributes: map[string]string{"ApproximateReceiveCount": receives}}
	}
	ev := events.SQSEvent{Records: []events.SQSMessage{
		msg("ok", `{"id":"a","run":1}`, "1"),
		msg("fails", `{"id":"b","run":2}`, "4"),
		msg("last", `{"id":"c","run":3}`, "5"),
		msg("junk", `not json`, "1"),
		msg("no-id", `{"run":1}`, "1"),
	}}
	var ran []queue.Run
	var stopped []string
	resp := queue.HandleRuns(context.Background(), ev, slog.New(slog.NewJSONHandler(io.Discard, nil)), 5,
		func(_ context.Context, r queue.Run) error {
			ran = append(ran, r)
			if r.ID == "a" {
				return nil
			}
			return errors.New("table unreachable")
		},
		func(_ context.Context, r queue.Run, err error) { stopped = append(stopped, r.ID+": "+err.Error()) })
	if want := []queue.Run{{ID: "a", Run: 1}, {ID: "b", Run: 2}, {ID: "c", Run: 3}}; !reflect.DeepEqual(ran, want) {
		t.Errorf("ran %v, want %v", ran, want)
	}
	if want := []events.SQSBatchItemFailure{{ItemIdentifier: "fails"}}; !reflect.DeepEqual(resp.BatchItemFailures, want) {
		t.Errorf("failures %v, want %v", resp.BatchItemFailures, want)
	}
	if want := []string{"c: table unreachable"}; !reflect.DeepEqual(stopped, want) {
		t.Errorf("given up %v, want %v", stopped, want)
	}
}
