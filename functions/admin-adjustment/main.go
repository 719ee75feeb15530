// Command admin-adjustment is the Lambda function of admin.Adjustment.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/admin"
	"github.com/tallyhq/tally/shared/app"
)

func main() {
	lambda.Start(admin.Adjustment(app.MustLoad(context.Background())))
}
