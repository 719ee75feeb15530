// Command report-resources is the Lambda function of reports.Resources.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/reports"
)

func main() {
	lambda.Start(reports.Resources(app.MustLoad(context.Background())))
}
