// Command admin-payout-get is the Lambda function of admin.GetPayout.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/admin"
	"github.com/tallyhq/tally/shared/app"
)

func main() {
	lambda.Start(admin.GetPayout(app.MustLoad(context.Background())))
}
