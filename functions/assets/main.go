// Command assets is the Lambda function of portal.Assets.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/portal"
)

func main() {
	lambda.Start(portal.Assets(app.MustLoad(context.Background())))
}
