package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/payout"
)

// PutIdempotency records a key; ErrExists when it is already there.
func (s *Store) PutIdempotency(ctx context.Context, key string, v payout.Idempotency) error {
	return s.putNew(ctx, idempotencyKey(key), v)
}

// GetIdempotency reads a key's record; nil when there is none.
func (s *Store) GetIdempotency(ctx context.Context, key string) (*payout.Idempotency, error) {
	var v payout.Idempotency
	ok, err := s.getAs(ctx, idempotencyKey(key), &v)
	if !ok {
		return nil, err
	}
	return &v, nil
}

// DeleteIdempotency frees a key that made nothing, so it may be used again.
func (s *Store) DeleteIdempotency(ctx context.Context, key, payoutID string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.Table), Key: idempotencyKey(key).av(),
		ConditionExpression:       aws.String("payout_id = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": attrS(payoutID)},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}
