package store

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// PendingRefund is a checkout's refund of an order not recorded yet (SPEC
// 10): kept on the order's own record (TxnKey of the order, kind
// KindPending) and applied, in the order of when the refunds happened, when
// the order arrives. The order's one read (is it recorded?) so also finds
// its pending refunds: a common order pays no request for them.
type PendingRefund struct {
	OrderID  string    `json:"order_id"`
	RefundID string    `json:"refund_id"`
	At       time.Time `json:"at"`
	Hash     string    `json:"hash"`
	Refund   string    `json:"refund"` // the refund as the rules take it (JSON)
	Received time.Time `json:"received"`
}

// KindPending is an order's record while only refunds of it have arrived:
// it holds them (Txn.Pending), and the order's record replaces it (Write's
// Replaces), keeping them until each is applied.
const KindPending = "pending"

// ErrOrderRecorded: the order a refund was to be kept for is recorded (or
// ignored) already; the refund is applied (or answered) instead.
var ErrOrderRecorded = errors.New("the order is recorded")

// KeepPendingRefund keeps a refund on its order's record, creating it as
// KindPending, while the order is not recorded: one UpdateItem. False when
// it was kept already (a redelivery); ErrOrderRecorded when the order got
// there first. The order's record is one item both write, so an order and
// a refund of it arriving together never miss each other: the order's
// write replaces only the record it read (its version).
func (s *Store) KeepPendingRefund(ctx context.Context, p PendingRefund) (bool, error) {
	item, err := marshal(p)
	if err != nil {
		return false, err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.Table),
		Key:                 TxnKey(p.OrderID).av(),
		UpdateExpression:    aws.String("SET #kind = :pending, #pending = list_append(if_not_exists(#pending, :none), :one), #seen = :seen ADD #version :inc"),
		ConditionExpression: aws.String("(attribute_not_exists(PK) OR #kind = :pending) AND attribute_not_exists(#seen)"),
		ExpressionAttributeNames: map[string]string{
			// #seen marks the refund kept, so a redelivery adds nothing.
			"#kind": "kind", "#pending": "pending", "#seen": "pending:" + p.RefundID, "#version": "version",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pending": attrS(KindPending),
			":none":    &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
			":one":     &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberM{Value: item}}},
			":seen":    &types.AttributeValueMemberBOOL{Value: true},
			":inc":     attrN(1),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		if str(failed.Item["kind"]) == KindPending {
			return false, nil
		}
		return false, ErrOrderRecorded
	}
	return err == nil, err
}
