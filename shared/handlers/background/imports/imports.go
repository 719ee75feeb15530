// Package imports is the Lambda that writes large affiliate imports in
// the background (SPEC 15): app/importing's worker, fed by the import queue.
package imports

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/app/importing"
)

// Function is the queue's consumer as Lambda runs it.
func Function(d *app.Deps) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return importing.NewWorker(d).HandleSQS
}
