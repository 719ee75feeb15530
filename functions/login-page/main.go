// Command login-page is the Lambda function of login.Page.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/login"
)

func main() {
	lambda.Start(login.Page(app.MustLoad(context.Background())))
}
