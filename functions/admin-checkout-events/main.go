// Command admin-checkout-events is the Lambda function of admin.CheckoutEvents.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/admin"
	"github.com/tallyhq/tally/shared/app"
)

func main() {
	lambda.Start(admin.CheckoutEvents(app.MustLoad(context.Background())))
}
