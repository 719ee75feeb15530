// Command admin-payout-create is the Lambda function of admin.CreatePayout.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/admin"
	"github.com/tallyhq/tally/shared/app"
)

func main() {
	lambda.Start(admin.CreatePayout(app.MustLoad(context.Background())))
}
