// Command unsubscribe-page is the Lambda function of notify.UnsubscribePage.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/notify"
)

func main() {
	lambda.Start(notify.UnsubscribePage(app.MustLoad(context.Background())))
}
