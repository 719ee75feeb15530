// Package store keeps Tally's data in one DynamoDB table. Keys are built in
// keys.go; docs/table-design.md lists every entity and access pattern.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Store is the table and the client that reaches it.
type Store struct {
	DB    *dynamodb.Client
	Table string
}

// New returns a store over an existing table.
func New(db *dynamodb.Client, table string) *Store { return &Store{DB: db, Table: table} }

// Item builds an item from a key plus attributes.
func (k Key) Item(attrs map[string]types.AttributeValue) map[string]types.AttributeValue {
	item := make(map[string]types.AttributeValue, len(attrs)+2)
	for n, v := range attrs {
		item[n] = v
	}
	item[AttrPK] = S(k.PK)
	item[AttrSK] = S(k.SK)
	return item
}

// AV is the key as a DynamoDB key map.
func (k Key) AV() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: S(k.PK), AttrSK: S(k.SK)}
}

// S and N are attribute value shorthands.
func S(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func N(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(n)}
}

// Get reads one item with a strongly consistent read; nil when absent.
func (s *Store) Get(ctx context.Context, k Key) (map[string]types.AttributeValue, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.Table),
		Key:            k.AV(),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}

// QueryAll runs a query to its last page.
func (s *Store) QueryAll(ctx context.Context, in *dynamodb.QueryInput) ([]map[string]types.AttributeValue, error) {
	in.TableName = aws.String(s.Table)
	var items []map[string]types.AttributeValue
	p := dynamodb.NewQueryPaginator(s.DB, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		items = append(items, out.Items...)
	}
	return items, nil
}

// QueryRange reads the items of one partition whose sort key lies in [lo, hi]
// (BETWEEN), optionally on an index.
func (s *Store) QueryRange(ctx context.Context, index, pk, lo, hi string) ([]map[string]types.AttributeValue, error) {
	pkName, skName := AttrPK, AttrSK
	in := &dynamodb.QueryInput{}
	switch index {
	case IndexByOrder:
		pkName, skName = AttrGSI1PK, AttrGSI1SK
		in.IndexName = aws.String(index)
	case IndexOpen:
		pkName, skName = AttrGSI2PK, AttrGSI2SK
		in.IndexName = aws.String(index)
	case "":
	default:
		return nil, fmt.Errorf("store: unknown index %q", index)
	}
	in.KeyConditionExpression = aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi")
	in.ExpressionAttributeNames = map[string]string{"#pk": pkName, "#sk": skName}
	in.ExpressionAttributeValues = map[string]types.AttributeValue{":pk": S(pk), ":lo": S(lo), ":hi": S(hi)}
	return s.QueryAll(ctx, in)
}

// IsConditionFailed says whether a write failed on its condition.
func IsConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// CanceledReasons returns the per-item reasons of a canceled transaction, or
// nil when err is not one.
func CanceledReasons(err error) []types.CancellationReason {
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		return tce.CancellationReasons
	}
	return nil
}
