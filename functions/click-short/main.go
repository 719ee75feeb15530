// Command click-short is the Lambda function of clicks.Short.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/clicks"
)

func main() {
	lambda.Start(clicks.Short(app.MustLoad(context.Background())))
}
