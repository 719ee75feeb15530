// Package queue is the adapter for Amazon SQS (or a stand-in that speaks
// its API): send, delay, receive and delete by queue URL, with the SDK's
// types kept here.
package queue

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Client is the part of the SQS API the queue uses.
type Client interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// Message is a received message: its body and the handle that deletes or
// delays it.
type Message struct {
	Body    string
	Receipt string
}

// Send puts body on the queue at url, visible after delay (whole seconds).
func Send(ctx context.Context, c Client, url, body string, delay time.Duration) error {
	_, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body), DelaySeconds: int32(delay / time.Second)})
	return err
}

// Hide makes a received message invisible for d (0: visible again now).
func Hide(ctx context.Context, c Client, url, receipt string, d time.Duration) error {
	_, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(receipt), VisibilityTimeout: int32(d / time.Second)})
	return err
}

// Receive takes up to max (at most 10) messages, each invisible for hide.
func Receive(ctx context.Context, c Client, url string, max int, hide time.Duration) ([]Message, error) {
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: int32(max), VisibilityTimeout: int32(hide / time.Second)})
	if err != nil {
		return nil, err
	}
	ms := make([]Message, 0, len(out.Messages))
	for _, m := range out.Messages {
		ms = append(ms, Message{Body: aws.ToString(m.Body), Receipt: aws.ToString(m.ReceiptHandle)})
	}
	return ms, nil
}

// Delete removes a received message.
func Delete(ctx context.Context, c Client, url, receipt string) error {
	_, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(receipt)})
	return err
}
