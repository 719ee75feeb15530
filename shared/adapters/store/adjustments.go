package store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/ledger"
)

// Adjustment is the record of an owner's adjustment, for replays.
type Adjustment struct {
	Hash     string `json:"hash"`
	Response string `json:"response"`
}

// GetAdjustment reads an adjustment's record; nil when absent.
func (s *Store) GetAdjustment(ctx context.Context, id string) (*Adjustment, error) {
	var a Adjustment
	ok, err := s.getAs(ctx, adjustmentKey(id), &a)
	if !ok {
		return nil, err
	}
	return &a, nil
}

// PutAdjustment writes an adjustment's record and its entry together;
// ErrExists when the id is taken.
func (s *Store) PutAdjustment(ctx context.Context, id string, a Adjustment, e ledger.Entry) error {
	rec, err := marshal(a)
	if err != nil {
		return err
	}
	entry, err := entryItem(e)
	if err != nil {
		return err
	}
	if err := s.markPayees(ctx, e.Affiliate); err != nil {
		return err
	}
	notExists := aws.String("attribute_not_exists(PK)")
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(s.Table), Item: adjustmentKey(id).item(rec), ConditionExpression: notExists}},
		{Put: &types.Put{TableName: aws.String(s.Table), Item: entry, ConditionExpression: notExists}},
	}})
	if errors.Is(txnErr(err), ErrConflict) {
		return ErrExists
	}
	return txnErr(err)
}
