package eventsource

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/handlers/background/notify"
)

// Lambda feeds a stream function as Lambda runs it (the function main.go
// starts): each batch becomes the DynamoDB event Lambda passes, and the
// first batch item failure it reports is where the batch is read again.
func Lambda(fn notify.StreamFunction) Handler {
	return func(ctx context.Context, rs []events.DynamoDBEventRecord) (string, error) {
		res, err := fn(ctx, events.DynamoDBEvent{Records: rs})
		if err != nil {
			return rs[0].Change.SequenceNumber, err
		}
		if len(res.BatchItemFailures) > 0 {
			failed := res.BatchItemFailures[0].ItemIdentifier
			return failed, fmt.Errorf("record %s not done", failed)
		}
		return "", nil
	}
}

// Changes feeds a consumer of the table's typed changes, as notify.Lambda
// does on AWS.
func Changes(h notify.StreamHandler) Handler {
	return func(ctx context.Context, rs []events.DynamoDBEventRecord) (string, error) {
		cs := make([]store.Change, 0, len(rs))
		for _, r := range rs {
			c, err := store.ChangeFromLambda(r)
			if err != nil {
				return r.Change.SequenceNumber, err
			}
			cs = append(cs, c)
		}
		return h(ctx, cs)
	}
}

// fromStreams is a record read from the DynamoDB Streams API as Lambda's
// event carries it.
func fromStreams(r streamtypes.Record) (events.DynamoDBEventRecord, error) {
	out := events.DynamoDBEventRecord{EventName: string(r.EventName), EventSource: "aws:dynamodb", EventVersion: "1.1"}
	if r.Dynamodb == nil {
		return out, fmt.Errorf("stream record without dynamodb data")
	}
	out.Change = events.DynamoDBStreamRecord{SequenceNumber: aws.ToString(r.Dynamodb.SequenceNumber), StreamViewType: "NEW_AND_OLD_IMAGES",
		ApproximateCreationDateTime: events.SecondsEpochTime{Time: aws.ToTime(r.Dynamodb.ApproximateCreationDateTime).UTC()}}
	var err error
	if out.Change.Keys, err = lambdaStreamsImage(r.Dynamodb.Keys); err != nil {
		return out, err
	}
	if out.Change.NewImage, err = lambdaStreamsImage(r.Dynamodb.NewImage); err != nil {
		return out, err
	}
	out.Change.OldImage, err = lambdaStreamsImage(r.Dynamodb.OldImage)
	return out, err
}

func lambdaStreamsImage(m map[string]streamtypes.AttributeValue) (map[string]events.DynamoDBAttributeValue, error) {
	if m == nil {
		return nil, nil
	}
	av, err := attributevalue.FromDynamoDBStreamsMap(m)
	if err != nil {
		return nil, err
	}
	return lambdaImage(av)
}

func lambdaImage(m map[string]types.AttributeValue) (map[string]events.DynamoDBAttributeValue, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		lv, err := lambdaValue(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = lv
	}
	return out, nil
}

// lambdaValue is an attribute value as Lambda's event carries it.
func lambdaValue(v types.AttributeValue) (events.DynamoDBAttributeValue, error) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value), nil
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value), nil
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value), nil
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value), nil
	case *types.AttributeValueMemberNULL:
		return events.NewNullAttribute(), nil
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value), nil
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value), nil
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value), nil
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, 0, len(v.Value))
		for _, e := range v.Value {
			le, err := lambdaValue(e)
			if err != nil {
				return events.DynamoDBAttributeValue{}, err
			}
			l = append(l, le)
		}
		return events.NewListAttribute(l), nil
	case *types.AttributeValueMemberM:
		m, err := lambdaImage(v.Value)
		if err != nil {
			return events.DynamoDBAttributeValue{}, err
		}
		return events.NewMapAttribute(m), nil
	}
	return events.DynamoDBAttributeValue{}, fmt.Errorf("attribute of type %T", v)
}
