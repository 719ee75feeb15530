// Package store keeps Tally's data in one DynamoDB table. It is an adapter:
// it takes and returns the domain's values (ledger entries, payouts,
// contacts, the program) and its DynamoDB plumbing stays inside. One file
// per entity; keys are built in keys.go and docs/table-design.md lists every
// entity and access pattern; stream.go decodes the table's stream into
// typed changes. This file holds the helpers every entity's file shares
// (reads, conditional puts, batches, encoding, transaction errors).
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Store is the table and the client that reaches it.
type Store struct {
	db    *dynamodb.Client
	Table string

	fullDays daySet   // days whose channel tags are full (CountHit)
	payees   payeeSet // payee markers written or seen (markPayees)
}

// New returns a store over an existing table.
func New(db *dynamodb.Client, table string) *Store { return &Store{db: db, Table: table} }

// item builds an item from a key plus attributes.
func (k Key) item(attrs map[string]types.AttributeValue) map[string]types.AttributeValue {
	item := make(map[string]types.AttributeValue, len(attrs)+2)
	for n, v := range attrs {
		item[n] = v
	}
	item[attrPK] = attrS(k.PK)
	item[attrSK] = attrS(k.SK)
	return item
}

// av is the key as a DynamoDB key map.
func (k Key) av() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: attrS(k.PK), attrSK: attrS(k.SK)}
}

// attrS and attrN are attribute value shorthands.
func attrS(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func attrN(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(n)}
}

// get reads one item with a strongly consistent read; nil when absent.
func (s *Store) get(ctx context.Context, k Key) (map[string]types.AttributeValue, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.Table),
		Key:            k.av(),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}

// queryAll runs a query to its last page.
func (s *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput) ([]map[string]types.AttributeValue, error) {
	in.TableName = aws.String(s.Table)
	var items []map[string]types.AttributeValue
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		items = append(items, out.Items...)
	}
	return items, nil
}

// queryRange reads the items of one partition whose sort key lies in [lo, hi]
// (BETWEEN), optionally on an index.
func (s *Store) queryRange(ctx context.Context, index, pk, lo, hi string) ([]map[string]types.AttributeValue, error) {
	pkName, skName := attrPK, attrSK
	in := &dynamodb.QueryInput{}
	switch index {
	case indexByOrder:
		pkName, skName = attrGSI1PK, attrGSI1SK
		in.IndexName = aws.String(index)
	case indexOpen:
		pkName, skName = attrGSI2PK, attrGSI2SK
		in.IndexName = aws.String(index)
	case "":
	default:
		return nil, fmt.Errorf("store: unknown index %q", index)
	}
	in.KeyConditionExpression = aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi")
	in.ExpressionAttributeNames = map[string]string{"#pk": pkName, "#sk": skName}
	in.ExpressionAttributeValues = map[string]types.AttributeValue{":pk": attrS(pk), ":lo": attrS(lo), ":hi": attrS(hi)}
	return s.queryAll(ctx, in)
}

// isConditionFailed says whether a write failed on its condition.
func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// canceledReasons returns the per-item reasons of a canceled transaction, or
// nil when err is not one.
func canceledReasons(err error) []types.CancellationReason {
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		return tce.CancellationReasons
	}
	return nil
}

func marshal(v any) (map[string]types.AttributeValue, error) {
	return attributevalue.MarshalMapWithOptions(v, func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
}

func unmarshal(item map[string]types.AttributeValue, v any) error {
	return attributevalue.UnmarshalMapWithOptions(item, v, func(o *attributevalue.DecoderOptions) { o.TagKey = "json" })
}

// batchWrite puts and deletes items 25 at a time, retrying what DynamoDB
// leaves unprocessed.
func (s *Store) batchWrite(ctx context.Context, puts []map[string]types.AttributeValue, deletes []Key) error {
	var reqs []types.WriteRequest
	for _, it := range puts {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
	}
	for _, k := range deletes {
		reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k.av()}})
	}
	for len(reqs) > 0 {
		n := min(25, len(reqs))
		batch := reqs[:n]
		reqs = reqs[n:]
		for attempt := 0; len(batch) > 0; attempt++ {
			if attempt > 8 {
				return fmt.Errorf("batch write: %d items still unprocessed", len(batch))
			}
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
				RequestItems: map[string][]types.WriteRequest{s.Table: batch},
			})
			if err != nil {
				return fmt.Errorf("batch write: %w", err)
			}
			batch = out.UnprocessedItems[s.Table]
			if len(batch) > 0 {
				time.Sleep(time.Duration(50<<attempt) * time.Millisecond)
			}
		}
	}
	return nil
}

// putNew puts v at k unless something is there (ErrExists).
func (s *Store) putNew(ctx context.Context, k Key, v any) error {
	attrs, err := marshal(v)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: k.item(attrs),
		ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if isConditionFailed(err) {
		return ErrExists
	}
	return err
}

// getAs reads k into v; false when absent.
func (s *Store) getAs(ctx context.Context, k Key, v any) (bool, error) {
	item, err := s.get(ctx, k)
	if err != nil || item == nil {
		return false, err
	}
	return true, unmarshal(item, v)
}

// getOne reads an item as a T; nil when there is none.
func getOne[T any](ctx context.Context, s *Store, k Key) (*T, error) {
	var v T
	found, err := s.getAs(ctx, k, &v)
	if err != nil || !found {
		return nil, err
	}
	return &v, nil
}

// countInHour adds one to this hour's counter under key(hour) unless it
// already reached limit (false then); the counter leaves the table two
// hours after its hour. Sign-in mails and signups are limited this way.
func (s *Store) countInHour(ctx context.Context, key func(hour string) Key, now time.Time, limit int) (bool, error) {
	hour := now.UTC().Truncate(time.Hour)
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.Table),
		Key:                      key(hour.Format("2006-01-02T15")).av(),
		UpdateExpression:         aws.String("ADD sent :one SET #ttl = :ttl"),
		ConditionExpression:      aws.String("attribute_not_exists(sent) OR sent < :limit"),
		ExpressionAttributeNames: map[string]string{"#ttl": attrTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": attrN(1), ":limit": attrN(int64(limit)), ":ttl": attrN(hour.Add(2 * time.Hour).Unix()),
		},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	return err == nil, err
}

// putLink stores a new one-use link's item (a sign-in, a signup) only if
// its id is new; it leaves the table a day after the link stops working
// (expires, epoch seconds).
func (s *Store) putLink(ctx context.Context, k Key, v any, expires int64) error {
	item, err := marshal(v)
	if err != nil {
		return err
	}
	item[attrTTL] = attrN(expires + 24*3600)
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.Table),
		Item:                k.item(item),
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	return err
}

func decodeAll[T any](items []map[string]types.AttributeValue) ([]T, error) {
	out := make([]T, 0, len(items))
	for _, it := range items {
		var v T
		if err := unmarshal(it, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// batchGet reads keys (deduplicated) with strongly consistent reads, retrying
// what DynamoDB leaves unprocessed.
func (s *Store) batchGet(ctx context.Context, keys []Key) (map[Key]map[string]types.AttributeValue, error) {
	return s.batchGetWith(ctx, keys, true)
}

// batchGetWith is batchGet with eventually consistent reads (half the read
// units) when consistent is false.
func (s *Store) batchGetWith(ctx context.Context, keys []Key, consistent bool) (map[Key]map[string]types.AttributeValue, error) {
	seen := map[Key]bool{}
	var todo []map[string]types.AttributeValue
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			todo = append(todo, k.av())
		}
	}
	out := make(map[Key]map[string]types.AttributeValue, len(todo))
	for len(todo) > 0 {
		n := min(len(todo), 100)
		req := todo[:n]
		todo = todo[n:]
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 0 {
				time.Sleep(time.Duration(attempt*attempt) * 20 * time.Millisecond)
			}
			res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				s.Table: {Keys: req, ConsistentRead: aws.Bool(consistent)},
			}})
			if err != nil {
				return nil, err
			}
			for _, it := range res.Responses[s.Table] {
				out[Key{str(it[attrPK]), str(it[attrSK])}] = it
			}
			req = res.UnprocessedKeys[s.Table].Keys
		}
	}
	return out, nil
}

func str(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// txnErr turns a canceled transaction into ErrConflict (a condition failed)
// or ErrRetry (a concurrent transaction touched the same items).
func txnErr(err error) error {
	if err == nil {
		return nil
	}
	reasons := canceledReasons(err)
	for _, r := range reasons {
		if aws.ToString(r.Code) == "ConditionalCheckFailed" {
			return ErrConflict
		}
	}
	for _, r := range reasons {
		if aws.ToString(r.Code) == "TransactionConflict" {
			return ErrRetry
		}
	}
	var tc *types.TransactionConflictException
	if errors.As(err, &tc) {
		return ErrRetry
	}
	return err
}
