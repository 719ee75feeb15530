// Command report-link-stats is the Lambda function of reports.LinkStats.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/reports"
)

func main() {
	lambda.Start(reports.LinkStats(app.MustLoad(context.Background())))
}
