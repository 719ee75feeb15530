// Command notify-mail-digest is the Lambda function of notify.DigestFunction.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/notify"
)

func main() {
	lambda.Start(notify.DigestFunction(app.MustLoad(context.Background())))
}
