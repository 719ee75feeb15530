// Command admin-affiliate is the Lambda function of admin.Affiliate.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/admin"
	"github.com/tallyhq/tally/shared/app"
)

func main() {
	lambda.Start(admin.Affiliate(app.MustLoad(context.Background())))
}
