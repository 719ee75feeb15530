// Command report-commission-structure is the Lambda function of reports.CommissionStructure.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/reports"
)

func main() {
	lambda.Start(reports.CommissionStructure(app.MustLoad(context.Background())))
}
