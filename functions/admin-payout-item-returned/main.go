// Command admin-payout-item-returned is the Lambda function of admin.ItemReturned.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/admin"
	"github.com/tallyhq/tally/shared/app"
)

func main() {
	lambda.Start(admin.ItemReturned(app.MustLoad(context.Background())))
}
