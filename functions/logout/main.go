// Command logout is the Lambda function of login.Logout.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/login"
)

func main() {
	lambda.Start(login.Logout(app.MustLoad(context.Background())))
}
