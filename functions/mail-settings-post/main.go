// Command mail-settings-post is the Lambda function of notify.MailSettingsPost.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/notify"
)

func main() {
	lambda.Start(notify.MailSettingsPost(app.MustLoad(context.Background())))
}
