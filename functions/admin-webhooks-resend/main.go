// Command admin-webhooks-resend is the Lambda function of notify.FailedResend.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/notify"
)

func main() {
	lambda.Start(notify.FailedResend(app.MustLoad(context.Background())))
}
