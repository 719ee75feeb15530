// Command webhook-optins is the Lambda function of webhooks.OptIns.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/webhooks"
)

func main() {
	lambda.Start(webhooks.OptIns(app.MustLoad(context.Background())))
}
