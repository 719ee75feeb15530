package store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// notifiedTTL keeps a delivery's mark well past the stream's 24 hours, the
// longest a record can be delivered again.
const notifiedTTL = 7 * 24 * time.Hour

// Notified is what of an event went out already: the deliveries (a mail
// to an affiliate, a webhook to an endpoint) MarkNotified recorded.
func (s *Store) Notified(ctx context.Context, event string) (map[string]bool, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(notifiedKey(event, "").PK)},
		ProjectionExpression:      aws.String("SK"),
		// The mark written by the try before this one must show.
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	done := make(map[string]bool, len(items))
	for _, it := range items {
		if sk, ok := it[attrSK].(*types.AttributeValueMemberS); ok {
			done[sk.Value] = true
		}
	}
	return done, nil
}

// MarkNotified records that one delivery of an event went out (again: no
// change).
func (s *Store) MarkNotified(ctx context.Context, event, delivery string, now time.Time) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: notifiedKey(event, delivery).item(map[string]types.AttributeValue{
		"sent_at": attrS(now.UTC().Format(time.RFC3339)), attrTTL: attrN(now.Add(notifiedTTL).Unix()),
	})})
	return err
}
