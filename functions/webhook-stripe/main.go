// Command webhook-stripe is the Lambda function of stripehook.Webhook.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/stripehook"
)

func main() {
	lambda.Start(stripehook.Webhook(app.MustLoad(context.Background())))
}
