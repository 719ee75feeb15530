// Command snippet is the Lambda function of snippet.Handler.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/snippet"
)

func main() {
	lambda.Start(snippet.Handler(app.MustLoad(context.Background())))
}
