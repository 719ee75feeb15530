// Command admin-affiliate-ledger is the Lambda function of reports.AffiliateLedger.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/reports"
)

func main() {
	lambda.Start(reports.AffiliateLedger(app.MustLoad(context.Background())))
}
