// Command webhook-shopify is the Lambda function of shopifyhook.Webhook.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/shopifyhook"
)

func main() {
	lambda.Start(shopifyhook.Webhook(app.MustLoad(context.Background())))
}
