// Command admin-payout-export is the Lambda function of admin.Export.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/admin"
	"github.com/tallyhq/tally/shared/app"
)

func main() {
	lambda.Start(admin.Export(app.MustLoad(context.Background())))
}
