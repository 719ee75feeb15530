// Command notify-webhook-sender is the Lambda function of notify.WebhookSender.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/notify"
)

func main() {
	lambda.Start(notify.WebhookSender(app.MustLoad(context.Background())))
}
