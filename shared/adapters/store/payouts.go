package store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/payout"
)

// ErrConflict: a conditional write found the item already moved by someone
// else (an entry taken by another payout, a status changed).
var ErrConflict = fault.ErrConflict

// Payouts reads payout records by id; absent ones are left out.
func (s *Store) Payouts(ctx context.Context, ids []string) (map[string]*payout.Payout, error) {
	keys := make([]Key, len(ids))
	for i, id := range ids {
		keys[i] = PayoutKey(id)
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*payout.Payout, len(items))
	for k, it := range items {
		var p payout.Payout
		if err := unmarshal(it, &p); err != nil {
			return nil, err
		}
		out[k.SK] = &p
	}
	return out, nil
}

// PutPayout writes a payout's record once; ErrExists when it is there.
func (s *Store) PutPayout(ctx context.Context, p payout.Payout) error {
	return s.putNew(ctx, PayoutKey(p.ID), p)
}

// GetPayout reads a payout; nil when absent.
func (s *Store) GetPayout(ctx context.Context, id string) (*payout.Payout, error) {
	var p payout.Payout
	ok, err := s.getAs(ctx, PayoutKey(id), &p)
	if !ok {
		return nil, err
	}
	return &p, nil
}

// ListPayouts are all payouts, newest first.
func (s *Store) ListPayouts(ctx context.Context) ([]payout.Payout, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(payoutsPK)},
		ScanIndexForward:          aws.Bool(false),
	})
	if err != nil {
		return nil, err
	}
	return decodeAll[payout.Payout](items)
}

// MarkPaid moves a draft to paid; ErrConflict when it is not a draft.
func (s *Store) MarkPaid(ctx context.Context, id string, paidAt time.Time, reference string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: PayoutKey(id).av(),
		UpdateExpression:         aws.String("SET #s = :paid, paid_at = :at, #r = :ref"),
		ConditionExpression:      aws.String("#s = :draft"),
		ExpressionAttributeNames: map[string]string{"#s": "status", "#r": "reference"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":paid": attrS(payout.StatusPaid), ":draft": attrS(payout.StatusDraft),
			":at": attrS(paidAt.UTC().Format(time.RFC3339Nano)), ":ref": attrS(reference)},
	})
	if isConditionFailed(err) {
		return ErrConflict
	}
	return err
}

// CancelPayout moves a draft to canceled; ErrConflict when it is not a draft.
func (s *Store) CancelPayout(ctx context.Context, id string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: PayoutKey(id).av(),
		UpdateExpression:          aws.String("SET #s = :c"),
		ConditionExpression:       aws.String("#s = :draft"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": attrS(payout.StatusCanceled), ":draft": attrS(payout.StatusDraft)},
	})
	if isConditionFailed(err) {
		return ErrConflict
	}
	return err
}
