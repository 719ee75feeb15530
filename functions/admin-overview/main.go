// Command admin-overview is the Lambda function of admin.Overview.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/admin"
	"github.com/tallyhq/tally/shared/app"
)

func main() {
	lambda.Start(admin.Overview(app.MustLoad(context.Background())))
}
