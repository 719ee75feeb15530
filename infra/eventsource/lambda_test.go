package eventsource

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/notify"
)

// A record reaches a stream function as Lambda's event and reads back as
// the same record: every attribute type, the images, the sequence.
func TestStreamFunctionGetsTheRecordAsLambdaPassesIt(t *testing.T) {
	item := map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "AFF#jane"}, "N": &types.AttributeValueMemberN{Value: "12.5"},
		"B": &types.AttributeValueMemberB{Value: []byte{0, 1}}, "T": &types.AttributeValueMemberBOOL{Value: true},
		"Z": &types.AttributeValueMemberNULL{Value: true}, "SS": &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"NS": &types.AttributeValueMemberNS{Value: []string{"1"}}, "BS": &types.AttributeValueMemberBS{Value: [][]byte{{2}}},
		"L": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "x"}}},
		"M": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": &types.AttributeValueMemberN{Value: "1"}}},
	}
	in := []notify.Record{
		{EventName: "INSERT", Sequence: "1", At: time.Date(2026, 11, 17, 12, 0, 0, 0, time.UTC), Keys: map[string]types.AttributeValue{"PK": item["PK"]}, New: item},
		{EventName: "REMOVE", Sequence: "2", At: time.Date(2026, 11, 17, 12, 0, 1, 0, time.UTC), Keys: map[string]types.AttributeValue{"PK": item["PK"]}, Old: item},
	}
	var got []notify.Record
	failed, err := Lambda(func(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		for _, r := range ev.Records {
			rec, err := notify.FromLambda(r)
			if err != nil {
				return events.DynamoDBEventResponse{}, err
			}
			got = append(got, rec)
		}
		return events.DynamoDBEventResponse{}, nil
	})(context.Background(), in)
	if err != nil || failed != "" {
		t.Fatalf("failed %q: %v", failed, err)
	}
	if !reflect.DeepEqual(got, in) {
		t.Errorf("got %+v\nwant %+v", got, in)
	}
}

// The first batch item failure is where the batch is read again.
func TestStreamFunctionsFailureIsWhereTheBatchResumes(t *testing.T) {
	in := []notify.Record{{EventName: "INSERT", Sequence: "7"}, {EventName: "INSERT", Sequence: "8"}}
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
