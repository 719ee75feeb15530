package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// StatShards is how many items a link's daily counters are spread over. A
// click picks one at random; reports add them up.
const StatShards = 8

// Stat is the counters of one affiliate, event and day (program time zone).
type Stat struct {
	Date         string `json:"date"`
	Event        string `json:"event"`
	Hits         int64  `json:"hits"`
	OptIns       int64  `json:"opt_ins"`
	Orders       int64  `json:"orders"`
	RevenueCents int64  `json:"revenue_cents"`
}

// StatDelta is what one click, opt-in or order adds.
type StatDelta struct {
	Hits, OptIns, Orders, RevenueCents int64
}

// StatUpdate is the UpdateItem (or transaction Update) that adds d to one
// shard of the counters: a single write of a small item.
func (s *Store) StatUpdate(affiliate, date, event string, shard int, d StatDelta) *types.Update {
	k := StatKey(affiliate, date, event, shard)
	var adds []string
	vals := map[string]types.AttributeValue{}
	for _, c := range []struct {
		name string
		v    int64
	}{{"hits", d.Hits}, {"opt_ins", d.OptIns}, {"orders", d.Orders}, {"revenue_cents", d.RevenueCents}} {
		if c.v != 0 {
			adds = append(adds, c.name+" :"+c.name)
			vals[":"+c.name] = N(c.v)
		}
	}
	return &types.Update{
		TableName:                 aws.String(s.Table),
		Key:                       k.AV(),
		UpdateExpression:          aws.String("ADD " + strings.Join(adds, ", ")),
		ExpressionAttributeValues: vals,
	}
}

// CountHit adds a click to one random shard of the day's counter: one
// UpdateItem of a small item, at most one write unit, nothing read back.
func (s *Store) CountHit(ctx context.Context, affiliate, date, event string) error {
	u := s.StatUpdate(affiliate, date, event, rand.IntN(StatShards), StatDelta{Hits: 1})
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
		ExpressionAttributeValues: u.ExpressionAttributeValues,
		ReturnValues:              types.ReturnValueNone,
	})
	return err
}

// Stats are an affiliate's counters for the dates from..to (inclusive), one
// per (date, event), shards summed: one Query.
func (s *Store) Stats(ctx context.Context, affiliate, from, to string) ([]Stat, error) {
	pk, lo, hi := StatRange(affiliate, from, to)
	items, err := s.QueryRange(ctx, "", pk, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("query stats: %w", err)
	}
	sum := map[[2]string]*Stat{}
	for _, it := range items {
		var st Stat
		if err := unmarshal(it, &st); err != nil {
			return nil, err
		}
		var sk string
		if v, ok := it[AttrSK].(*types.AttributeValueMemberS); ok {
			sk = v.Value
		}
		parts := strings.Split(sk, "#")
		if len(parts) != 3 {
			continue
		}
		key := [2]string{parts[0], parts[1]}
		t := sum[key]
		if t == nil {
			t = &Stat{Date: parts[0], Event: parts[1]}
			sum[key] = t
		}
		t.Hits += st.Hits
		t.OptIns += st.OptIns
		t.Orders += st.Orders
		t.RevenueCents += st.RevenueCents
	}
	out := make([]Stat, 0, len(sum))
	for _, t := range sum {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Date != out[j].Date {
			return out[i].Date < out[j].Date
		}
		return out[i].Event < out[j].Event
	})
	return out, nil
}

// LatestHitBefore is the latest date before `before` on which an affiliate
// had a counted hit, "" when none: a Query on their counters, newest first,
// in pages of 32 items, that stops at the first item with hits (so it
// reads only back to that day; days with only opt-ins or orders between
// are read and passed over).
func (s *Store) LatestHitBefore(ctx context.Context, affiliate, before string) (string, error) {
	pk, _, _ := StatRange(affiliate, before, before)
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.Table),
		KeyConditionExpression:    aws.String("#pk = :pk AND #sk < :before"),
		FilterExpression:          aws.String("hits > :zero"),
		ProjectionExpression:      aws.String("#sk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#sk": AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": S(pk), ":before": S(before), ":zero": N(0)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(32),
	}
	for {
		out, err := s.DB.Query(ctx, in)
		if err != nil {
			return "", fmt.Errorf("query latest hit: %w", err)
		}
		for _, it := range out.Items {
			if v, ok := it[AttrSK].(*types.AttributeValueMemberS); ok {
				date, _, _ := strings.Cut(v.Value, "#")
				return date, nil
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return "", nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
