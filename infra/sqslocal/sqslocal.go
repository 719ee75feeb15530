// Package sqslocal reaches the SQS-compatible server the tests run
// (GoAWS v0.4.5, started by infra/scripts/test.sh, URL in TALLY_TEST_SQS).
// GoAWS speaks SQS's query protocol, which the current AWS SDK no longer
// does, so Client carries the SDK's own input and output types over it: the
// code under test is given the same interface (notify.SQS) either way.
package sqslocal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// EnvEndpoint names the variable that holds the server's URL.
const EnvEndpoint = "TALLY_TEST_SQS"

// Client speaks the query protocol to one server.
type Client struct {
	Endpoint string
	HTTP     *http.Client
}

// New is a client for the test server; the test fails when it is not set.
func New(t testing.TB) *Client {
	t.Helper()
	ep := os.Getenv(EnvEndpoint)
	if ep == "" {
		t.Fatalf("%s is not set: these tests need an SQS-compatible server; run them with `make test`, which starts one", EnvEndpoint)
	}
	return &Client{Endpoint: ep, HTTP: http.DefaultClient}
}

// NewQueue creates a queue named after the test and returns its URL.
func (c *Client) NewQueue(t testing.TB, suffix string, visibility int) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := strings.NewReplacer("/", "-", " ", "-", "_", "-").Replace(t.Name()) + "-" + suffix + "-" + hex.EncodeToString(b)
	if len(name) > 80 {
		name = name[len(name)-80:]
	}
	var out struct {
		URL string `xml:"CreateQueueResult>QueueUrl"`
	}
	v := url.Values{"QueueName": {name}, "Attribute.1.Name": {"VisibilityTimeout"}, "Attribute.1.Value": {strconv.Itoa(visibility)}}
	if err := c.call(context.Background(), "CreateQueue", v, &out); err != nil {
		t.Fatalf("create queue: %v", err)
	}
	t.Cleanup(func() { _ = c.call(context.Background(), "DeleteQueue", url.Values{"QueueUrl": {out.URL}}, nil) })
	return out.URL
}

func (c *Client) call(ctx context.Context, action string, v url.Values, out any) error {
	v.Set("Action", action)
	v.Set("Version", "2012-11-05")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint, strings.NewReader(v.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("sqs %s: %d %s", action, res.StatusCode, body)
	}
	if out == nil {
		return nil
	}
	return xml.Unmarshal(body, out)
}

// SendMessage sends one message.
func (c *Client) SendMessage(ctx context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	v := url.Values{"QueueUrl": {aws.ToString(in.QueueUrl)}, "MessageBody": {aws.ToString(in.MessageBody)}}
	if in.DelaySeconds > 0 {
		v.Set("DelaySeconds", strconv.Itoa(int(in.DelaySeconds)))
	}
	var out struct {
		ID string `xml:"SendMessageResult>MessageId"`
	}
	if err := c.call(ctx, "SendMessage", v, &out); err != nil {
		return nil, err
	}
	return &sqs.SendMessageOutput{MessageId: aws.String(out.ID)}, nil
}

// ReceiveMessage receives up to MaxNumberOfMessages.
func (c *Client) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	v := url.Values{"QueueUrl": {aws.ToString(in.QueueUrl)}, "MaxNumberOfMessages": {strconv.Itoa(int(max(in.MaxNumberOfMessages, 1)))}, "WaitTimeSeconds": {strconv.Itoa(int(in.WaitTimeSeconds))}}
	if in.VisibilityTimeout > 0 {
		v.Set("VisibilityTimeout", strconv.Itoa(int(in.VisibilityTimeout)))
	}
	var out struct {
		Messages []struct {
			ID      string `xml:"MessageId"`
			Receipt string `xml:"ReceiptHandle"`
			Body    string `xml:"Body"`
			Attrs   []struct {
				Name  string `xml:"Name"`
				Value string `xml:"Value"`
			} `xml:"Attribute"`
		} `xml:"ReceiveMessageResult>Message"`
	}
	if err := c.call(ctx, "ReceiveMessage", v, &out); err != nil {
		return nil, err
	}
	res := &sqs.ReceiveMessageOutput{}
	for _, m := range out.Messages {
		attrs := map[string]string{}
		for _, a := range m.Attrs {
			attrs[a.Name] = a.Value
		}
		res.Messages = append(res.Messages, types.Message{MessageId: aws.String(m.ID), ReceiptHandle: aws.String(m.Receipt), Body: aws.String(m.Body), Attributes: attrs})
	}
	return res, nil
}

// DeleteMessage deletes a received message.
func (c *Client) DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	err := c.call(ctx, "DeleteMessage", url.Values{"QueueUrl": {aws.ToString(in.QueueUrl)}, "ReceiptHandle": {aws.ToString(in.ReceiptHandle)}}, nil)
	return &sqs.DeleteMessageOutput{}, err
}

// ChangeMessageVisibility hides a received message for a while (0: shows it again).
func (c *Client) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	err := c.call(ctx, "ChangeMessageVisibility", url.Values{"QueueUrl": {aws.ToString(in.QueueUrl)}, "ReceiptHandle": {aws.ToString(in.ReceiptHandle)}, "VisibilityTimeout": {strconv.Itoa(int(in.VisibilityTimeout))}}, nil)
	return &sqs.ChangeMessageVisibilityOutput{}, err
}
