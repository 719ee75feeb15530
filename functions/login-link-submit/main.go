// Command login-link-submit is the Lambda function of login.LinkSubmit.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/login"
)

func main() {
	lambda.Start(login.LinkSubmit(app.MustLoad(context.Background())))
}
