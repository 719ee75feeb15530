// Command admin-payout-list is the Lambda function of admin.ListPayouts.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/admin"
	"github.com/tallyhq/tally/shared/app"
)

func main() {
	lambda.Start(admin.ListPayouts(app.MustLoad(context.Background())))
}
