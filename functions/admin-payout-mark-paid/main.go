// Command admin-payout-mark-paid is the Lambda function of admin.MarkPaid.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/admin"
	"github.com/tallyhq/tally/shared/app"
)

func main() {
	lambda.Start(admin.MarkPaid(app.MustLoad(context.Background())))
}
