// Command report-ledger is the Lambda function of reports.Ledger.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/reports"
)

func main() {
	lambda.Start(reports.Ledger(app.MustLoad(context.Background())))
}
