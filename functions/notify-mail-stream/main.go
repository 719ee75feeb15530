// Command notify-mail-stream is the Lambda function of notify.MailStream.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/notify"
)

func main() {
	lambda.Start(notify.MailStream(app.MustLoad(context.Background())))
}
