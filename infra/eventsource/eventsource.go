// Package eventsource does what Lambda's event source mappings do on AWS,
// for the dev server and the tests: read a table's stream in batches and
// hand them to a consumer, moving on only past what it finished; receive
// from a queue and delete what the consumer delivered.
package eventsource

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/tallyhq/tally/shared/app"
)

// Handler consumes a batch of stream records in order, as Lambda's event
// carries them; on failure it returns the sequence number of the first
// record not done.
type Handler func(ctx context.Context, rs []events.DynamoDBEventRecord) (failed string, err error)

// Checkpoint is how far a consumer got in each shard. It outlives a
// consumer that stops (or is killed) mid-batch, as Lambda's does.
type Checkpoint struct {
	mu   sync.Mutex
	last map[string]string // shard id -> sequence number of the last record done
}

func (c *Checkpoint) get(shard string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last[shard]
}

func (c *Checkpoint) set(shard, seq string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		c.last = map[string]string{}
	}
	c.last[shard] = seq
}

// StreamPoller reads a table's stream through the DynamoDB Streams API.
type StreamPoller struct {
	Client     *dynamodbstreams.Client
	StreamARN  string
	Checkpoint *Checkpoint
	BatchSize  int32
	Idle       time.Duration // wait when there is nothing new (default 100 ms)
	OnError    func(error)

	iters map[string]*string // CatchUp's place in each shard, kept between calls
}

// CatchUp feeds handle every record written so far, then returns: what a
// consumer that is not left running needs before its results are read.
// A failed batch is returned as the error; the next call reads it again.
func (p *StreamPoller) CatchUp(ctx context.Context, handle Handler) error {
	if p.Checkpoint == nil {
		p.Checkpoint = &Checkpoint{}
	}
	if p.iters == nil {
		p.iters = map[string]*string{}
	}
	for {
		got, err := p.round(ctx, handle, p.iters)
		if err != nil || got == 0 {
			return err
		}
	}
}

// Run feeds handle until ctx ends. A batch that fails is read again from
// its failed record after Idle (Lambda retries the same way, then bisects).
func (p *StreamPoller) Run(ctx context.Context, handle Handler) error {
	if p.Checkpoint == nil {
		p.Checkpoint = &Checkpoint{}
	}
	idle := p.Idle
	if idle == 0 {
		idle = 100 * time.Millisecond
	}
	iters := map[string]*string{}
	for ctx.Err() == nil {
		got, err := p.round(ctx, handle, iters)
		if err != nil && ctx.Err() == nil && p.OnError != nil {
			p.OnError(err)
		}
		if got == 0 || err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(idle):
			}
		}
	}
	return ctx.Err()
}

// round reads each shard once; it returns how many records were handled.
func (p *StreamPoller) round(ctx context.Context, handle Handler, iters map[string]*string) (int, error) {
	out, err := p.Client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(p.StreamARN)})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sh := range out.StreamDescription.Shards {
		id := aws.ToString(sh.ShardId)
		if iters[id] == nil {
			in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(p.StreamARN), ShardId: sh.ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon}
			if seq := p.Checkpoint.get(id); seq != "" {
				in.ShardIteratorType, in.SequenceNumber = streamtypes.ShardIteratorTypeAfterSequenceNumber, aws.String(seq)
			}
			it, err := p.Client.GetShardIterator(ctx, in)
			if err != nil {
				return n, err
			}
			iters[id] = it.ShardIterator
		}
		if aws.ToString(iters[id]) == "" {
			continue // a closed shard, read to its end
		}
		batch := p.BatchSize
		if batch == 0 {
			batch = 100
		}
		res, err := p.Client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iters[id], Limit: aws.Int32(batch)})
		if err != nil {
			delete(iters, id)
			return n, err
		}
		rs := make([]events.DynamoDBEventRecord, 0, len(res.Records))
		for _, r := range res.Records {
			rec, err := fromStreams(r)
			if err != nil {
				return n, err
			}
			rs = append(rs, rec)
		}
		if len(rs) > 0 {
			failed, herr := handle(ctx, rs)
			if herr != nil {
				// Keep what was done before the failed record; read again from it.
				for _, r := range rs {
					if r.Change.SequenceNumber == failed {
						break
					}
					p.Checkpoint.set(id, r.Change.SequenceNumber)
				}
				delete(iters, id)
				return n, fmt.Errorf("stream batch failed at %s: %w", failed, herr)
			}
			p.Checkpoint.set(id, rs[len(rs)-1].Change.SequenceNumber)
			n += len(rs)
		}
		iters[id] = res.NextShardIterator
	}
	return n, nil
}

// SQSHandler is a queue consumer as Lambda runs it.
type SQSHandler func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)

// QueuePoller receives from a queue and deletes what the handler did not
// report as failed.
type QueuePoller struct {
	SQS      app.SQS
	QueueURL string
	Wait     time.Duration // long-poll wait (default 1 s)
	// Visibility hides what is received for this long (0: the queue's
	// own), as Lambda's mapping uses the queue's visibility timeout.
	Visibility time.Duration
	OnError    func(error)
}

// Run feeds handle until ctx ends.
func (p *QueuePoller) Run(ctx context.Context, handle SQSHandler) error {
	wait := p.Wait
	if wait == 0 {
		wait = time.Second
	}
	for ctx.Err() == nil {
		if err := p.once(ctx, handle, wait); err != nil && ctx.Err() == nil {
			if p.OnError != nil {
				p.OnError(err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
	}
	return ctx.Err()
}

func (p *QueuePoller) once(ctx context.Context, handle SQSHandler, wait time.Duration) error {
	out, err := p.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(p.QueueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: int32(wait / time.Second), VisibilityTimeout: int32(p.Visibility / time.Second),
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount},
	})
	if err != nil {
		return err
	}
	if len(out.Messages) == 0 {
		if wait < time.Second {
			time.Sleep(wait)
		}
		return nil
	}
	ev := events.SQSEvent{}
	for _, m := range out.Messages {
		attrs := map[string]string{}
		for k, v := range m.Attributes {
			attrs[k] = v
		}
		if attrs["ApproximateReceiveCount"] == "" {
			attrs["ApproximateReceiveCount"] = strconv.Itoa(1)
		}
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body), Attributes: attrs})
	}
	res, err := handle(ctx, ev)
	if err != nil {
		return err // nothing deleted: the batch comes back after its visibility timeout
	}
	failed := map[string]bool{}
	for _, f := range res.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	for _, m := range ev.Records {
		if failed[m.MessageId] {
			continue
		}
		if _, err := p.SQS.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(p.QueueURL), ReceiptHandle: aws.String(m.ReceiptHandle)}); err != nil {
			return err
		}
	}
	return nil
}
