package devserver

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// memQueues are the dev server's queues when no SQS endpoint is given: the
// few calls notify makes, with SQS's delays, visibility and receive counts.
type memQueues struct {
	mu     sync.Mutex
	queues map[string][]*memMessage
	seq    int
}

type memMessage struct {
	id, body, receipt string
	visibleAt         time.Time
	receives          int
}

func newMemQueues() *memQueues { return &memQueues{queues: map[string][]*memMessage{}} }

func (q *memQueues) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	m := &memMessage{id: "m" + strconv.Itoa(q.seq), body: aws.ToString(in.MessageBody), visibleAt: time.Now().Add(time.Duration(in.DelaySeconds) * time.Second)}
	url := aws.ToString(in.QueueUrl)
	q.queues[url] = append(q.queues[url], m)
	return &sqs.SendMessageOutput{MessageId: aws.String(m.id)}, nil
}

func (q *memQueues) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	deadline := time.Now().Add(time.Duration(in.WaitTimeSeconds) * time.Second)
	for {
		if out := q.receive(in); len(out.Messages) > 0 || !time.Now().Before(deadline) {
			return out, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (q *memQueues) receive(in *sqs.ReceiveMessageInput) *sqs.ReceiveMessageOutput {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := &sqs.ReceiveMessageOutput{}
	visibility := time.Duration(max(in.VisibilityTimeout, 30)) * time.Second
	now := time.Now()
	for _, m := range q.queues[aws.ToString(in.QueueUrl)] {
		if len(out.Messages) >= int(max(in.MaxNumberOfMessages, 1)) {
			break
		}
		if now.Before(m.visibleAt) {
			continue
		}
		q.seq++
		m.receives++
		m.receipt = m.id + "/" + strconv.Itoa(q.seq)
		m.visibleAt = now.Add(visibility)
		out.Messages = append(out.Messages, types.Message{MessageId: aws.String(m.id), ReceiptHandle: aws.String(m.receipt), Body: aws.String(m.body),
			Attributes: map[string]string{"ApproximateReceiveCount": strconv.Itoa(m.receives)}})
	}
	return out
}

// at runs f on the message a receipt handle names, under the lock.
func (q *memQueues) at(url, receipt string, f func(i int)) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, m := range q.queues[url] {
		if m.receipt == receipt {
			f(i)
			return nil
		}
	}
	return fmt.Errorf("receipt handle %q is not current", receipt)
}

func (q *memQueues) DeleteMessage(_ context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	url := aws.ToString(in.QueueUrl)
	return &sqs.DeleteMessageOutput{}, q.at(url, aws.ToString(in.ReceiptHandle), func(i int) {
		q.queues[url] = append(q.queues[url][:i], q.queues[url][i+1:]...)
	})
}

func (q *memQueues) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	url := aws.ToString(in.QueueUrl)
	return &sqs.ChangeMessageVisibilityOutput{}, q.at(url, aws.ToString(in.ReceiptHandle), func(i int) {
		q.queues[url][i].visibleAt = time.Now().Add(time.Duration(in.VisibilityTimeout) * time.Second)
	})
}
