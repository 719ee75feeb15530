// Command notify-webhook-stream is the Lambda function of notify.WebhookStream.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/notify"
)

func main() {
	lambda.Start(notify.WebhookStream(app.MustLoad(context.Background())))
}
