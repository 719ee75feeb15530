// Command mail-settings is the Lambda function of notify.MailSettings.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/notify"
)

func main() {
	lambda.Start(notify.MailSettings(app.MustLoad(context.Background())))
}
