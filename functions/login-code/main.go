// Command login-code is the Lambda function of login.Code.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/login"
)

func main() {
	lambda.Start(login.Code(app.MustLoad(context.Background())))
}
