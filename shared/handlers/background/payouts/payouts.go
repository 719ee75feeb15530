// Package payouts is the Lambda that finishes large payouts in the
// background (SPEC 15): app/building's worker, fed by the payout queue.
package payouts

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/app/building"
)

// Function is the queue's consumer as Lambda runs it.
func Function(d *app.Deps) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return building.NewWorker(d).HandleSQS
}
