// Command admin-checkout-event-retry is the Lambda function of checkoutevents.Retry.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/checkoutevents"
)

func main() {
	lambda.Start(checkoutevents.Retry(app.MustLoad(context.Background())))
}
