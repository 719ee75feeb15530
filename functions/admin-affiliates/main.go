// Command admin-affiliates is the Lambda function of admin.Affiliates.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/admin"
	"github.com/tallyhq/tally/shared/app"
)

func main() {
	lambda.Start(admin.Affiliates(app.MustLoad(context.Background())))
}
