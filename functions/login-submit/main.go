// Command login-submit is the Lambda function of login.Submit.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/login"
)

func main() {
	lambda.Start(login.Submit(app.MustLoad(context.Background())))
}
