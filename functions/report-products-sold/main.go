// Command report-products-sold is the Lambda function of reports.ProductsSold.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/reports"
)

func main() {
	lambda.Start(reports.ProductsSold(app.MustLoad(context.Background())))
}
