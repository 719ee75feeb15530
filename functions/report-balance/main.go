// Command report-balance is the Lambda function of reports.Balance.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/reports"
)

func main() {
	lambda.Start(reports.Balance(app.MustLoad(context.Background())))
}
