// Command unsubscribe-post is the Lambda function of notify.UnsubscribePost.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/notify"
)

func main() {
	lambda.Start(notify.UnsubscribePost(app.MustLoad(context.Background())))
}
