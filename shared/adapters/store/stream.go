package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
)

// Change is one change of the table as its stream shows it, the same
// whether it comes from a Lambda event or from polling a stream, with the
// item decoded into what it is. At most one of Entry, Txn, OptIn and Payout
// is set; none for the items nobody is told about.
type Change struct {
	Op       string    // INSERT, MODIFY, REMOVE
	Sequence string    // the stream's sequence number
	At       time.Time // ApproximateCreationDateTime
	Key      Key       // the item's key: what a change's identity derives from

	Entry *ledger.Entry // a ledger entry as it is now
	Txn   *Txn          // an order's or a refund's record as written
	// WasPending: the record replaced was an order's pending refunds
	// (KindPending), so a MODIFY is the order being recorded.
	WasPending bool
	OptIn      *Txn          // an opt-in's record as written
	Payout     *PayoutStatus // a payout's record
	// Stat is a counter item's change (a day's totals, never its tags):
	// its numbers before and after.
	Stat *StatChange
	// Affiliate is an affiliate record's change: its name before and after.
	Affiliate *AffiliateChange

	// Err says the item could not be decoded; the change means nothing then.
	Err error
}

// StatChange is one counter item's numbers before and after a change.
type StatChange struct {
	Affiliate, Date, Event string
	Old, New               StatDelta
}

// AffiliateChange is an affiliate record's name before and after a change
// ("" when its record has no such image).
type AffiliateChange struct {
	Code, Old, New string
	// Image is the affiliate after the change (nil when removed from the
	// table), Former whether it is a former one.
	Image  *program.Affiliate
	Former bool
}

// PayoutStatus is a payout's status before and after a change ("" when its
// record has no such image).
type PayoutStatus struct {
	ID       string
	Old, New string
}

// ChangeFromLambda is a record of the DynamoDB event Lambda passes a stream
// consumer.
func ChangeFromLambda(r events.DynamoDBEventRecord) (Change, error) {
	var keys, nw, old map[string]types.AttributeValue
	var err error
	if keys, err = lambdaMap(r.Change.Keys); err == nil {
		if nw, err = lambdaMap(r.Change.NewImage); err == nil {
			old, err = lambdaMap(r.Change.OldImage)
		}
	}
	c := decodeChange(r.EventName, r.Change.SequenceNumber, r.Change.ApproximateCreationDateTime.UTC(), keys, nw, old)
	return c, err
}

// ChangeFromStreams is a record read from the DynamoDB Streams API
// (DynamoDB Local's stream, in the dev server and tests).
func ChangeFromStreams(r streams.Record) (Change, error) {
	if r.Dynamodb == nil {
		return Change{Op: string(r.EventName)}, fmt.Errorf("stream record without dynamodb data")
	}
	var keys, nw, old map[string]types.AttributeValue
	var err error
	if keys, err = attributevalue.FromDynamoDBStreamsMap(r.Dynamodb.Keys); err == nil {
		if nw, err = attributevalue.FromDynamoDBStreamsMap(r.Dynamodb.NewImage); err == nil {
			old, err = attributevalue.FromDynamoDBStreamsMap(r.Dynamodb.OldImage)
		}
	}
	c := decodeChange(string(r.EventName), aws.ToString(r.Dynamodb.SequenceNumber), aws.ToTime(r.Dynamodb.ApproximateCreationDateTime).UTC(), keys, nw, old)
	return c, err
}

// decodeChange reads what the changed item is from its key.
func decodeChange(op, seq string, at time.Time, keys, nw, old map[string]types.AttributeValue) Change {
	k := Key{str(keys[attrPK]), str(keys[attrSK])}
	c := Change{Op: op, Sequence: seq, At: at, Key: k}
	switch {
	case nw != nil && strings.HasPrefix(k.PK, affPrefix) && strings.HasPrefix(k.SK, entryPrefix):
		var e ledger.Entry
		if err := unmarshal(nw, &e); err != nil {
			c.Err = fmt.Errorf("entry %s: %w", k.SK, err)
			return c
		}
		c.Entry = &e
	case nw != nil && (strings.HasPrefix(k.PK, txnPrefix) || strings.HasPrefix(k.PK, optInPrefix)):
		var t Txn
		if err := unmarshal(nw, &t); err != nil {
			c.Err = fmt.Errorf("%s: %w", k.PK, err)
			return c
		}
		if strings.HasPrefix(k.PK, txnPrefix) {
			c.Txn, c.WasPending = &t, str(old["kind"]) == KindPending
		} else {
			c.OptIn = &t
		}
	case strings.HasPrefix(k.PK, statsPrefix) && !strings.HasPrefix(k.SK, "~"):
		parts := strings.Split(k.SK, "#")
		if len(parts) != 3 {
			return c
		}
		c.Stat = &StatChange{Affiliate: strings.TrimPrefix(k.PK, statsPrefix), Date: parts[0], Event: parts[1], Old: statDeltaOf(old), New: statDeltaOf(nw)}
	case k.PK == programPK && strings.HasPrefix(k.SK, affiliateSKPrefix):
		c.Affiliate = &AffiliateChange{Code: strings.TrimPrefix(k.SK, affiliateSKPrefix), Old: str(old["name"]), New: str(nw["name"])}
		if nw != nil {
			var a program.Affiliate
			var h programItem
			if unmarshal(nw, &a) == nil && unmarshal(nw, &h) == nil {
				c.Affiliate.Image, c.Affiliate.Former = &a, h.Kind == "former"
			}
		}
	case k.PK == payoutsPK:
		c.Payout = &PayoutStatus{ID: k.SK, Old: str(old["status"]), New: str(nw["status"])}
	}
	return c
}

// statDeltaOf reads a counter item's numbers (zero when absent).
func statDeltaOf(item map[string]types.AttributeValue) StatDelta {
	return StatDelta{Hits: num(item["hits"]), OptIns: num(item["opt_ins"]), Orders: num(item["orders"]), RevenueCents: num(item["revenue_cents"])}
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
