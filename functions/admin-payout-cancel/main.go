// Command admin-payout-cancel is the Lambda function of admin.Cancel.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/admin"
	"github.com/tallyhq/tally/shared/app"
)

func main() {
	lambda.Start(admin.Cancel(app.MustLoad(context.Background())))
}
