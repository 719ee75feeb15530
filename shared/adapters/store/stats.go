package store

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"

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
	Sub          string `json:"-"` // channel tag, "" for none; StatsBySub only
	Hits         int64  `json:"hits"`
	OptIns       int64  `json:"opt_ins"`
	Orders       int64  `json:"orders"`
	RevenueCents int64  `json:"revenue_cents"`
}

// StatDelta is what one click, opt-in or order adds.
type StatDelta struct {
	Hits, OptIns, Orders, RevenueCents int64
}

// TagOther is the tag a click counts under when its own tag would be one
// more than the day allows.
const TagOther = "other"

// attrs are the counters d changes (not 0), in the order of the item's
// attributes.
func (d StatDelta) attrs() iter.Seq2[string, types.AttributeValue] {
	return func(yield func(string, types.AttributeValue) bool) {
		for _, c := range []struct {
			name string
			v    int64
		}{{"hits", d.Hits}, {"opt_ins", d.OptIns}, {"orders", d.Orders}, {"revenue_cents", d.RevenueCents}} {
			if c.v != 0 && !yield(c.name, attrN(c.v)) {
				return
			}
		}
	}
}

// StatAdd is what an opt-in or an order through a click adds to its
// affiliate's counters of the event and day: to the day's total and, when
// the click had a channel tag, to that tag's counters beside it.
//
// An order a coupon code referred (Coupon, the code as its affiliate holds
// it) also adds to that code's counters of the day.
type StatAdd struct {
	Affiliate, Date, Event, Sub string
	Coupon                      string
	Delta                       StatDelta
}

// updates is how many writes the addition makes.
func (a StatAdd) updates() int {
	n := 1
	if a.Sub != "" {
		n++
	}
	if a.Coupon != "" {
		n++
	}
	return n
}

// statUpdate is the UpdateItem (or transaction Update) that adds d to one
// shard of the counters: a single write of a small item.
func (s *Store) statUpdate(affiliate, date, event string, shard int, d StatDelta) *types.Update {
	return s.addTo(StatKey(affiliate, date, event, shard), d)
}

// statUpdates are the updates an opt-in or order through a click makes:
// one shard of its event's day total and, when the click had a channel
// tag, one shard of that tag's counters beside it (subStatKey). Totals
// never read a tag's counters.
func (s *Store) statUpdates(a StatAdd, shard int) []*types.Update {
	us := []*types.Update{s.statUpdate(a.Affiliate, a.Date, a.Event, shard, a.Delta)}
	if a.Sub != "" {
		us = append(us, s.addTo(subStatKey(a.Affiliate, a.Date, a.Event, a.Sub, shard), a.Delta))
	}
	if a.Coupon != "" {
		u := s.addTo(couponStatKey(a.Affiliate, a.Date, a.Coupon, shard), StatDelta{Orders: a.Delta.Orders, RevenueCents: a.Delta.RevenueCents})
		// The code as its affiliate holds it, for the report: the key has it upper-cased.
		u.UpdateExpression = aws.String(*u.UpdateExpression + " SET code = :code")
		u.ExpressionAttributeValues[":code"] = attrS(a.Coupon)
		us = append(us, u)
	}
	return us
}

func (s *Store) addTo(k Key, d StatDelta) *types.Update {
	var adds []string
	vals := map[string]types.AttributeValue{}
	for name, v := range d.attrs() {
		adds = append(adds, name+" :"+name)
		vals[":"+name] = v
	}
	return &types.Update{
		TableName:                 aws.String(s.Table),
		Key:                       k.av(),
		UpdateExpression:          aws.String("ADD " + strings.Join(adds, ", ")),
		ExpressionAttributeValues: vals,
	}
}

// CountHit counts a click: one UpdateItem on a random shard of its event's
// day total (every click, so totals never read tags). A tagged click also
// counts in the day's tags item (subsKey), at the same time: its tag while
// the day has fewer than maxTags distinct tags or already has this one,
// else "other" (a second write, after the first is refused). It returns
// the tag the click was counted under ("" for none).
func (s *Store) CountHit(ctx context.Context, affiliate, date, event, sub string, maxTags int) (string, error) {
	total := make(chan error, 1)
	go func() {
		u := s.statUpdate(affiliate, date, event, rand.IntN(StatShards), StatDelta{Hits: 1})
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
			ExpressionAttributeValues: u.ExpressionAttributeValues,
			ReturnValues:              types.ReturnValueNone,
		})
		total <- err
	}()
	counted := ""
	var tagErr error
	if sub != "" {
		counted, tagErr = s.countTag(ctx, affiliate, date, event, sub, maxTags)
	}
	if err := <-total; err != nil {
		return counted, fmt.Errorf("count hit: %w", err)
	}
	return counted, tagErr
}

// countTag adds a hit to the tag in the day's tags item, admitting a new
// tag only while the day has room; past that, to "other". A warm function
// remembers the tags of days it found full, so a flood of new tags costs
// one write each, not two, and the day's own tags still count as
// themselves.
func (s *Store) countTag(ctx context.Context, affiliate, date, event, sub string, maxTags int) (string, error) {
	k := subsKey(affiliate, date, event)
	day := fmt.Sprintf("%s|%s|%d", k.PK, k.SK, maxTags)
	if admitted, full := s.fullDays.tags(day); sub != TagOther && (!full || admitted[sub]) {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                           aws.String(s.Table),
			Key:                                 k.av(),
			UpdateExpression:                    aws.String("ADD #tags :tags, #h :one"),
			ConditionExpression:                 aws.String("attribute_not_exists(#tags) OR contains(#tags, :tag) OR size(#tags) < :max"),
			ExpressionAttributeNames:            map[string]string{"#tags": "tags", "#h": "h:" + sub},
			ExpressionAttributeValues:           map[string]types.AttributeValue{":tags": &types.AttributeValueMemberSS{Value: []string{sub}}, ":tag": attrS(sub), ":one": attrN(1), ":max": attrN(int64(maxTags))},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		var full *types.ConditionalCheckFailedException
		if !errors.As(err, &full) {
			if err != nil {
				return sub, fmt.Errorf("count tag: %w", err)
			}
			return sub, nil
		}
		if ss, ok := full.Item["tags"].(*types.AttributeValueMemberSS); ok {
			s.fullDays.add(day, ss.Value)
		}
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.Table),
		Key:                       k.av(),
		UpdateExpression:          aws.String("ADD #h :one"),
		ExpressionAttributeNames:  map[string]string{"#h": "h:" + TagOther},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": attrN(1)},
	})
	if err != nil {
		return TagOther, fmt.Errorf("count tag: %w", err)
	}
	return TagOther, nil
}

// daySet remembers, per warm function, the days whose tags are full and
// which tags they hold. It only ever saves a write that would be refused.
type daySet struct {
	mu   sync.Mutex
	days map[string]map[string]bool
}

func (d *daySet) tags(day string) (map[string]bool, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.days[day]
	return t, ok
}

func (d *daySet) add(day string, tags []string) {
	set := make(map[string]bool, len(tags))
	for _, t := range tags {
		set[t] = true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.days == nil || len(d.days) >= 1024 { // bounded; yesterday's days are of no use
		d.days = map[string]map[string]bool{}
	}
	d.days[day] = set
}

// Stats are an affiliate's counters for the dates from..to (inclusive), one
// per (date, event), shards summed: one Query of the totals, which no tag
// is in.
func (s *Store) Stats(ctx context.Context, affiliate, from, to string) ([]Stat, error) {
	pk, lo, hi := statRange(affiliate, from, to)
	items, err := s.queryRange(ctx, "", pk, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("query stats: %w", err)
	}
	sum := map[[3]string]*Stat{}
	for _, it := range items {
		parts := strings.Split(skOf(it), "#")
		if len(parts) != 3 {
			continue
		}
		if err := addStat(sum, it, parts[0], parts[1], ""); err != nil {
			return nil, err
		}
	}
	return sorted(sum), nil
}

// StatsBySub are Stats kept apart by channel tag: one per (date, event,
// tag), Sub "" for the visits without a tag (the total less the tags). Two
// Queries: the totals, and the tags.
func (s *Store) StatsBySub(ctx context.Context, affiliate, from, to string) ([]Stat, error) {
	totals, err := s.Stats(ctx, affiliate, from, to)
	if err != nil {
		return nil, err
	}
	pk, lo, hi := subsRange(affiliate, from, to)
	items, err := s.queryRange(ctx, "", pk, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("query tags: %w", err)
	}
	sum := map[[3]string]*Stat{}
	for _, it := range items {
		parts := strings.Split(strings.TrimPrefix(skOf(it), subsPrefix), "#")
		switch len(parts) {
		case 2: // the day's tags item: hits per tag
			for name, v := range it {
				tag, ok := strings.CutPrefix(name, "h:")
				n, isN := v.(*types.AttributeValueMemberN)
				if !ok || !isN || tag == "" {
					continue
				}
				hits, err := strconv.ParseInt(n.Value, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("tag hits %s: %w", name, err)
				}
				key := [3]string{parts[0], parts[1], tag}
				if sum[key] == nil {
					sum[key] = &Stat{Date: parts[0], Event: parts[1], Sub: tag}
				}
				sum[key].Hits += hits
			}
		case 4: // a shard of a tag's opt-ins and orders
			if err := addStat(sum, it, parts[0], parts[1], parts[3]); err != nil {
				return nil, err
			}
		}
	}
	// The untagged row is what the tags leave of the total.
	for _, t := range totals {
		key := [3]string{t.Date, t.Event, ""}
		u := t
		sum[key] = &u
	}
	for key, st := range sum {
		if key[2] == "" {
			continue
		}
		u := sum[[3]string{key[0], key[1], ""}]
		if u == nil {
			u = &Stat{Date: key[0], Event: key[1]}
			sum[[3]string{key[0], key[1], ""}] = u
		}
		u.Hits -= st.Hits
		u.OptIns -= st.OptIns
		u.Orders -= st.Orders
		u.RevenueCents -= st.RevenueCents
	}
	for _, st := range sum {
		// A click's two writes are not one transaction: should the total's
		// have failed, no row shows fewer than no visits.
		st.Hits = max(st.Hits, 0)
	}
	return sorted(sum), nil
}

// CouponStat is the orders one coupon code referred in a period, and their
// revenue.
type CouponStat struct {
	Code         string `json:"code"`
	Orders       int64  `json:"orders"`
	RevenueCents int64  `json:"revenue_cents"`
}

// CouponStats are an affiliate's orders per coupon code for the dates
// from..to (inclusive), shards and days summed, by code: one Query of the
// code counters, which hold only this affiliate's codes.
func (s *Store) CouponStats(ctx context.Context, affiliate, from, to string) ([]CouponStat, error) {
	pk, lo, hi := couponStatRange(affiliate, from, to)
	items, err := s.queryRange(ctx, "", pk, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("query coupon stats: %w", err)
	}
	sum := map[string]*CouponStat{}
	var keys []string
	for _, it := range items {
		var c CouponStat
		if err := unmarshal(it, &c); err != nil {
			return nil, err
		}
		parts := strings.Split(strings.TrimPrefix(skOf(it), couponStatsPrefix), "#")
		if len(parts) != 3 {
			continue
		}
		t := sum[parts[1]]
		if t == nil {
			t = &CouponStat{Code: c.Code}
			if t.Code == "" {
				t.Code = parts[1]
			}
			sum[parts[1]] = t
			keys = append(keys, parts[1])
		}
		t.Orders += c.Orders
		t.RevenueCents += c.RevenueCents
	}
	sort.Strings(keys)
	out := make([]CouponStat, 0, len(keys))
	for _, k := range keys {
		out = append(out, *sum[k])
	}
	return out, nil
}

func skOf(it map[string]types.AttributeValue) string {
	if v, ok := it[attrSK].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func addStat(sum map[[3]string]*Stat, it map[string]types.AttributeValue, date, event, sub string) error {
	var st Stat
	if err := unmarshal(it, &st); err != nil {
		return err
	}
	key := [3]string{date, event, sub}
	t := sum[key]
	if t == nil {
		t = &Stat{Date: date, Event: event, Sub: sub}
		sum[key] = t
	}
	t.Hits += st.Hits
	t.OptIns += st.OptIns
	t.Orders += st.Orders
	t.RevenueCents += st.RevenueCents
	return nil
}

func sorted(sum map[[3]string]*Stat) []Stat {
	out := make([]Stat, 0, len(sum))
	for _, t := range sum {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Date != out[j].Date {
			return out[i].Date < out[j].Date
		}
		if out[i].Event != out[j].Event {
			return out[i].Event < out[j].Event
		}
		return out[i].Sub < out[j].Sub
	})
	return out
}

// LatestHitBefore is the latest date before `before` on which an affiliate
// had a counted hit, "" when none: a Query on their counters, newest first,
// in pages of 32 items, that stops at the first item with hits (so it
// reads only back to that day; days with only opt-ins or orders between
// are read and passed over).
func (s *Store) LatestHitBefore(ctx context.Context, affiliate, before string) (string, error) {
	pk, _, _ := statRange(affiliate, before, before)
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.Table),
		KeyConditionExpression:    aws.String("#pk = :pk AND #sk < :before"),
		FilterExpression:          aws.String("hits > :zero"),
		ProjectionExpression:      aws.String("#sk"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#sk": attrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(pk), ":before": attrS(before), ":zero": attrN(0)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(32),
	}
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return "", fmt.Errorf("query latest hit: %w", err)
		}
		for _, it := range out.Items {
			if v, ok := it[attrSK].(*types.AttributeValueMemberS); ok {
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
