// Command authorizer is the Lambda function of auth.Authorizer.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/auth"
)

func main() {
	lambda.Start(auth.Authorizer(app.MustLoad(context.Background())))
}
