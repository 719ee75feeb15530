package eventsource

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// A record read from the Streams API reaches a stream function as Lambda's
// event carries it: every attribute type, the images, the sequence.
func TestStreamRecordReachesTheFunctionAsLambdaPassesIt(t *testing.T) {
	at := time.Date(2026, 11, 17, 12, 0, 0, 0, time.UTC)
	item := map[string]streamtypes.AttributeValue{
		"PK": &streamtypes.AttributeValueMemberS{Value: "AFF#jane"}, "N": &streamtypes.AttributeValueMemberN{Value: "12.5"},
		"B": &streamtypes.AttributeValueMemberB{Value: []byte{0, 1}}, "T": &streamtypes.AttributeValueMemberBOOL{Value: true},
		"Z": &streamtypes.AttributeValueMemberNULL{Value: true}, "SS": &streamtypes.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"NS": &streamtypes.AttributeValueMemberNS{Value: []string{"1"}}, "BS": &streamtypes.AttributeValueMemberBS{Value: [][]byte{{2}}},
		"L": &streamtypes.AttributeValueMemberL{Value: []streamtypes.AttributeValue{&streamtypes.AttributeValueMemberS{Value: "x"}}},
		"M": &streamtypes.AttributeValueMemberM{Value: map[string]streamtypes.AttributeValue{"k": &streamtypes.AttributeValueMemberN{Value: "1"}}},
	}
	want := map[string]events.DynamoDBAttributeValue{
		"PK": events.NewStringAttribute("AFF#jane"), "N": events.NewNumberAttribute("12.5"),
		"B": events.NewBinaryAttribute([]byte{0, 1}), "T": events.NewBooleanAttribute(true),
		"Z": events.NewNullAttribute(), "SS": events.NewStringSetAttribute([]string{"a", "b"}),
		"NS": events.NewNumberSetAttribute([]string{"1"}), "BS": events.NewBinarySetAttribute([][]byte{{2}}),
		"L": events.NewListAttribute([]events.DynamoDBAttributeValue{events.NewStringAttribute("x")}),
		"M": events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{"k": events.NewNumberAttribute("1")}),
	}
	rec := streamtypes.Record{EventName: streamtypes.OperationTypeInsert, Dynamodb: &streamtypes.StreamRecord{
		SequenceNumber: aws.String("1"), ApproximateCreationDateTime: aws.Time(at),
		Keys: map[string]streamtypes.AttributeValue{"PK": item["PK"]}, NewImage: item}}
	got, err := fromStreams(rec)
	if err != nil {
		t.Fatal(err)
	}
	if got.EventName != "INSERT" || got.Change.SequenceNumber != "1" || !got.Change.ApproximateCreationDateTime.Time.Equal(at) ||
		got.Change.OldImage != nil || !reflect.DeepEqual(got.Change.Keys, map[string]events.DynamoDBAttributeValue{"PK": want["PK"]}) {
		t.Errorf("record %+v", got)
	}
	if !reflect.DeepEqual(got.Change.NewImage, want) {
		t.Errorf("image %+v\nwant %+v", got.Change.NewImage, want)
	}
	var passed []events.DynamoDBEventRecord
	failed, err := Lambda(func(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		passed = ev.Records
		return events.DynamoDBEventResponse{}, nil
	})(context.Background(), []events.DynamoDBEventRecord{got})
	if err != nil || failed != "" || !reflect.DeepEqual(passed, []events.DynamoDBEventRecord{got}) {
		t.Errorf("failed %q: %v; passed %+v", failed, err, passed)
	}
}

// The first batch item failure is where the batch is read again.
func TestStreamFunctionsFailureIsWhereTheBatchResumes(t *testing.T) {
	in := []events.DynamoDBEventRecord{{EventName: "INSERT", Change: events.DynamoDBStreamRecord{SequenceNumber: "7"}}, {EventName: "INSERT", Change: events.DynamoDBStreamRecord{SequenceNumber: "8"}}}
	failed, err := Lambda(func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: "8"}}}, nil
	})(context.Background(), in)
	if failed != "8" || err == nil {
		t.Errorf("failed %q, %v", failed, err)
	}
	failed, err = Lambda(func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return events.DynamoDBEventResponse{}, errors.New("down")
	})(context.Background(), in)
	if failed != "7" || err == nil {
		t.Errorf("a failed invocation: %q, %v", failed, err)
	}
}
