// Command report-payouts is the Lambda function of reports.Payouts.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/reports"
)

func main() {
	lambda.Start(reports.Payouts(app.MustLoad(context.Background())))
}
