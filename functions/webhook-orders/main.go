// Command webhook-orders is the Lambda function of webhooks.Orders.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/webhooks"
)

func main() {
	lambda.Start(webhooks.Orders(app.MustLoad(context.Background())))
}
