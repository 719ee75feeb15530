// Command admin-balances is the Lambda function of admin.Balances.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/admin"
	"github.com/tallyhq/tally/shared/app"
)

func main() {
	lambda.Start(admin.Balances(app.MustLoad(context.Background())))
}
