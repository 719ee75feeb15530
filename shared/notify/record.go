package notify

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// FromLambda is a record of the DynamoDB event Lambda passes a stream
// consumer.
func FromLambda(r events.DynamoDBEventRecord) (Record, error) {
	out := Record{EventName: r.EventName, Sequence: r.Change.SequenceNumber, At: r.Change.ApproximateCreationDateTime.UTC()}
	var err error
	if out.Keys, err = lambdaMap(r.Change.Keys); err != nil {
		return out, err
	}
	if out.New, err = lambdaMap(r.Change.NewImage); err != nil {
		return out, err
	}
	out.Old, err = lambdaMap(r.Change.OldImage)
	return out, err
}

// FromStreams is a record read from the DynamoDB Streams API (DynamoDB
// Local's stream, in the dev server and tests).
func FromStreams(r streams.Record) (Record, error) {
	out := Record{EventName: string(r.EventName)}
	if r.Dynamodb == nil {
		return out, fmt.Errorf("stream record without dynamodb data")
	}
	out.Sequence = aws.ToString(r.Dynamodb.SequenceNumber)
	out.At = aws.ToTime(r.Dynamodb.ApproximateCreationDateTime).UTC()
	var err error
	if out.Keys, err = attributevalue.FromDynamoDBStreamsMap(r.Dynamodb.Keys); err != nil {
		return out, err
	}
	if out.New, err = attributevalue.FromDynamoDBStreamsMap(r.Dynamodb.NewImage); err != nil {
		return out, err
	}
	out.Old, err = attributevalue.FromDynamoDBStreamsMap(r.Dynamodb.OldImage)
	return out, err
}

// Image is an item in DynamoDB's JSON form (as Lambda events and the
// DynamoDB API carry it) as attribute values.
func Image(m map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	return lambdaMap(m)
}

func lambdaMap(m map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		av, err := lambdaValue(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func lambdaValue(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeList:
		var l []types.AttributeValue
		for _, e := range v.List() {
			av, err := lambdaValue(e)
			if err != nil {
				return nil, err
			}
			l = append(l, av)
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case events.DataTypeMap:
		m, err := lambdaMap(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("attribute of unknown type %d", v.DataType())
}
