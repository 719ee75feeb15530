package eventsource

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/notify"
)

// Lambda feeds a stream function as Lambda runs it (the function main.go
// starts): each batch becomes the DynamoDB event Lambda passes, and the
// first batch item failure it reports is where the batch is read again.
func Lambda(fn notify.StreamFunction) notify.StreamHandler {
	return func(ctx context.Context, rs []notify.Record) (string, error) {
		ev := events.DynamoDBEvent{Records: make([]events.DynamoDBEventRecord, 0, len(rs))}
		for _, r := range rs {
			er, err := lambdaRecord(r)
			if err != nil {
				return r.Sequence, err
			}
			ev.Records = append(ev.Records, er)
		}
		res, err := fn(ctx, ev)
		if err != nil {
			return rs[0].Sequence, err
		}
		if len(res.BatchItemFailures) > 0 {
			failed := res.BatchItemFailures[0].ItemIdentifier
			return failed, fmt.Errorf("record %s not done", failed)
		}
		return "", nil
	}
}

func lambdaRecord(r notify.Record) (events.DynamoDBEventRecord, error) {
	out := events.DynamoDBEventRecord{EventName: r.EventName, EventSource: "aws:dynamodb", EventVersion: "1.1",
		Change: events.DynamoDBStreamRecord{SequenceNumber: r.Sequence, StreamViewType: "NEW_AND_OLD_IMAGES",
			ApproximateCreationDateTime: events.SecondsEpochTime{Time: r.At}}}
	var err error
	if out.Change.Keys, err = lambdaImage(r.Keys); err != nil {
		return out, err
	}
	if out.Change.NewImage, err = lambdaImage(r.New); err != nil {
		return out, err
	}
	out.Change.OldImage, err = lambdaImage(r.Old)
	return out, err
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
