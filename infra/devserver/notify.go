package devserver

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/notify"
)

// Local queue URLs when no SQS endpoint is given.
const (
	memQueueURL = "local://webhooks"
	memDLQURL   = "local://webhooks-dead"
)

// background runs what Lambda runs from the stream and the queue on AWS:
// the same consumers, fed by pollers.
type background struct {
	stop context.CancelFunc
	wg   sync.WaitGroup
}

func (b *background) close() {
	if b == nil {
		return
	}
	b.stop()
	b.wg.Wait()
}

func (b *background) run(ctx context.Context, f func(context.Context) error) {
	b.wg.Add(1)
	go func() { defer b.wg.Done(); _ = f(ctx) }()
}

// startNotify feeds the table's stream to the webhook and mail consumers
// and the queue to the sender, until Close.
func (s *Server) startNotify(db *dynamodb.Client, table string) error {
	ctx, cancel := context.WithCancel(context.Background())
	b := &background{stop: cancel}
	s.bg = b
	onErr := func(what string) func(error) {
		return func(err error) { s.Deps.Log.Warn(what, "err", err.Error()) }
	}
	handlers := map[string]notify.StreamHandler{"webhooks": notify.NewQueuer(s.Deps).Handle, "mail": notify.NewMailer(s.Deps).Handle}
	if s.feed != nil {
		for name, h := range handlers {
			b.run(ctx, func(ctx context.Context) error { return s.feed.Run(ctx, name, h) })
		}
	} else {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			return err
		}
		arn := aws.ToString(out.Table.LatestStreamArn)
		if arn == "" {
			return fmt.Errorf("table %s has no stream (template.yaml enables one)", table)
		}
		streams := app.LocalStreams(s.Endpoint)
		for name, h := range handlers {
			p := &notify.StreamPoller{Client: streams, StreamARN: arn, OnError: onErr(name + " stream")}
			b.run(ctx, func(ctx context.Context) error { return p.Run(ctx, h) })
		}
	}
	// The daily digest at 08:00 in the program's zone, as the schedule on AWS.
	digest := notify.DigestFunction(s.Deps)
	b.run(ctx, func(ctx context.Context) error {
		for {
			now := time.Now().In(s.Program.Location())
			next := time.Date(now.Year(), now.Month(), now.Day(), 8, 0, 0, 0, now.Location())
			if !next.After(now) {
				next = next.AddDate(0, 0, 1)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Until(next)):
			}
			if err := digest(ctx, notify.DigestInput{}); err != nil {
				s.Deps.Log.Warn("daily digest", "err", err.Error())
			}
		}
	})
	qp := &notify.QueuePoller{SQS: s.Deps.SQS, QueueURL: s.Deps.Config.WebhookQueueURL, OnError: onErr("webhook queue")}
	b.run(ctx, func(ctx context.Context) error { return qp.Run(ctx, notify.NewSender(s.Deps).HandleSQS) })
	return nil
}
