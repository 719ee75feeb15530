// Command click-long is the Lambda function of clicks.Long.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/clicks"
)

func main() {
	lambda.Start(clicks.Long(app.MustLoad(context.Background())))
}
