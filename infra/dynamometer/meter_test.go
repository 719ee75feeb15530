package dynamometer_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
)

func TestMeterCountsRequestsAndCapacity(t *testing.T) {
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	table := dynamotest.NewTable(t, db)
	before := m.Snapshot()
	k := key("X", "Y")
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: k}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: k, ConsistentRead: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	k2 := key("X", "Z")
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: k2}},
	}}); err != nil {
		t.Fatal(err)
	}
	d := m.Since(before)
	if d.Requests["PutItem"] != 1 || d.Requests["GetItem"] != 1 || d.Requests["TransactWriteItems"] != 1 || d.Total() != 3 {
		t.Fatalf("requests: %v", d)
	}
	if d.ReadUnits != 1 || d.WriteUnits != 1 || d.TxnWriteUnits != 2 || d.AWSWriteUnits() != 3 {
		t.Fatalf("units: read %v write %v txn write %v", d.ReadUnits, d.WriteUnits, d.TxnWriteUnits)
	}
	if d.ReadBytes != dynamometer.ItemSize(k) {
		t.Fatalf("read bytes %d, want the one item's %d", d.ReadBytes, dynamometer.ItemSize(k))
	}
	before = m.Snapshot()
	if _, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "X"}}}); err != nil {
		t.Fatal(err)
	}
	if d := m.Since(before); d.ReadBytes != dynamometer.ItemSize(k)+dynamometer.ItemSize(k2) {
		t.Fatalf("a Query of two items read %d bytes, want %d", d.ReadBytes, dynamometer.ItemSize(k)+dynamometer.ItemSize(k2))
	}
}

func TestTransactWriteUnitsAtTheTransactionalRate(t *testing.T) {
	small := key("a", "b")
	big := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "a"}, "blob": &types.AttributeValueMemberS{Value: string(make([]byte, 1500))}}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{Item: small}},                      // 1 KB → 2
		{Put: &types.Put{Item: big}},                        // 2 KB → 4
		{Update: &types.Update{Key: small}},                 // counted as 1 KB → 2
		{ConditionCheck: &types.ConditionCheck{Key: small}}, // → 2
	}}
	if got := dynamometer.TransactWriteUnits(in); got != 10 {
		t.Fatalf("got %v, want 10", got)
	}
	if got := dynamometer.ItemSize(small); got != 6 {
		t.Fatalf("size %d, want 6 (names PK, SK + one byte each)", got)
	}
}

// key is an item of nothing but its key.
func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}}
}
