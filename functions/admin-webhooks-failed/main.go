// Command admin-webhooks-failed is the Lambda function of notify.FailedList.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/notify"
)

func main() {
	lambda.Start(notify.FailedList(app.MustLoad(context.Background())))
}
