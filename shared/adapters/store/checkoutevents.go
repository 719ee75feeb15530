package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CheckoutEvent is a checkout's delivery that was authentic but could not be
// applied (SPEC 10): what the owner sees on /admin/checkout-events, and
// what a retry needs (its topic and, in checkoutBodyKey's parts, its body).
type CheckoutEvent struct {
	Source  string    `json:"source"` // stripe, shopify
	ID      string    `json:"id"`
	Topic   string    `json:"topic,omitempty"` // Shopify's X-Shopify-Topic: the body alone does not say
	Code    string    `json:"code"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`      // when it was first kept
	LastAt  time.Time `json:"last_at"` // its latest delivery or retry
	// Deliveries counts the checkout's deliveries of it (retries by the
	// owner are not deliveries).
	Deliveries int64 `json:"deliveries"`
	// Parts is how many items hold its gzipped body; 0: the body was too
	// large to keep, so it cannot be applied again.
	Parts int   `json:"parts"`
	TTL   int64 `json:"ttl"`
}

// CheckoutWarning is a standing problem with a checkout's setup that Tally
// answers with 5xx (so the checkout delivers again) and the owner must fix,
// such as a Stripe key without a permission.
type CheckoutWarning struct {
	Name    string    `json:"name"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
	TTL     int64     `json:"ttl"`
}

// How long an unapplied event is kept after its latest delivery, and how
// much of a body is kept: a transaction holds 4 MB, an item 400 KB.
const (
	CheckoutEventDays = 90
	checkoutPartSize  = 350 << 10
	checkoutMaxParts  = 9
	maxCheckoutText   = 1000 // the message, cut to fit the page
)

// KeepCheckoutEvent records an unapplied event, or, when its id is already
// kept (a redelivery), updates its code and message and counts the
// delivery: never a second item. The body is kept gzipped in parts, written
// in the same transaction, and everything expires CheckoutEventDays after
// the latest delivery. delivered is false for an owner's retry that failed
// again: the event gets its new code and message, and keeps its body and
// expiry (body is not read).
func (s *Store) KeepCheckoutEvent(ctx context.Context, e CheckoutEvent, body []byte, delivered bool, now time.Time) (CheckoutEvent, error) {
	var gz bytes.Buffer
	if delivered {
		w := gzip.NewWriter(&gz)
		_, _ = w.Write(body)
		if err := w.Close(); err != nil {
			return e, err
		}
		e.Parts = (gz.Len() + checkoutPartSize - 1) / checkoutPartSize
		switch {
		case body == nil:
			e.Parts = 0
		case e.Parts > checkoutMaxParts:
			e.Parts = 0
			e.Message += " (the body, over 3 MB even compressed, was not kept)"
		}
		e.TTL = now.Add(CheckoutEventDays * 24 * time.Hour).Unix()
	}
	e.Message = cut(e.Message, maxCheckoutText)
	var deliveries int64
	if delivered {
		deliveries = 1
	}
	table := aws.String(s.Table)
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: table, Key: checkoutEventKey(e.ID).av(),
		UpdateExpression: aws.String("SET #source = :source, #id = :id, topic = :topic, code = :code, message = :message, " +
			"#at = if_not_exists(#at, :now), last_at = :now, parts = :parts, #ttl = :ttl ADD deliveries :d"),
		ExpressionAttributeNames: map[string]string{"#source": "source", "#id": "id", "#at": "at", "#ttl": attrTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":source": attrS(e.Source), ":id": attrS(e.ID), ":topic": attrS(e.Topic), ":code": attrS(e.Code), ":message": attrS(e.Message),
			":now": attrS(now.UTC().Format(time.RFC3339Nano)), ":parts": attrN(int64(e.Parts)), ":ttl": attrN(e.TTL), ":d": attrN(deliveries),
		},
	}}}
	if delivered {
		b := gz.Bytes()
		for i := 0; i < e.Parts; i++ {
			part := b[i*checkoutPartSize : min(len(b), (i+1)*checkoutPartSize)]
			items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: table, Item: checkoutBodyKey(e.ID, i).item(
				map[string]types.AttributeValue{"gz": &types.AttributeValueMemberB{Value: part}, attrTTL: attrN(e.TTL)})}})
		}
	}
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		if txnErr(err) == ErrRetry { // a concurrent redelivery of the same event: one more try
			_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		}
		if err != nil {
			return e, fmt.Errorf("keep checkout event %s: %w", e.ID, err)
		}
	}
	return e, nil
}

// cut shortens s to at most n bytes, on a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// CheckoutEvents reads the unapplied events, newest first, and the
// standing warnings: one Query of their partition (expired items DynamoDB
// has not deleted yet are left out).
func (s *Store) CheckoutEvents(ctx context.Context, now time.Time) ([]CheckoutEvent, []CheckoutWarning, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(checkoutEventsPK)},
	})
	if err != nil {
		return nil, nil, err
	}
	events, warnings := []CheckoutEvent{}, []CheckoutWarning{}
	for _, it := range items {
		sk := str(it[attrSK])
		switch {
		case strings.HasPrefix(sk, checkoutEventPrefix):
			var e CheckoutEvent
			if err := unmarshal(it, &e); err != nil {
				return nil, nil, fmt.Errorf("decode %s: %w", sk, err)
			}
			if e.TTL > now.Unix() {
				events = append(events, e)
			}
		case strings.HasPrefix(sk, checkoutWarningPrefix):
			var w CheckoutWarning
			if err := unmarshal(it, &w); err != nil {
				return nil, nil, fmt.Errorf("decode %s: %w", sk, err)
			}
			if w.TTL > now.Unix() {
				warnings = append(warnings, w)
			}
		}
	}
	sort.SliceStable(events, func(i, j int) bool {
		if !events[i].At.Equal(events[j].At) {
			return events[i].At.After(events[j].At)
		}
		return events[i].ID < events[j].ID
	})
	return events, warnings, nil
}

// GetCheckoutEvent reads one unapplied event and its body (nil when it was
// not kept); nil when there is no such event (or it has expired).
func (s *Store) GetCheckoutEvent(ctx context.Context, id string, now time.Time) (*CheckoutEvent, []byte, error) {
	var e CheckoutEvent
	if ok, err := s.getAs(ctx, checkoutEventKey(id), &e); err != nil || !ok || e.TTL <= now.Unix() {
		return nil, nil, err
	}
	if e.Parts == 0 {
		return &e, nil, nil
	}
	var gz []byte
	for i := 0; i < e.Parts; i++ {
		it, err := s.get(ctx, checkoutBodyKey(id, i))
		if err != nil {
			return nil, nil, err
		}
		b, ok := it["gz"].(*types.AttributeValueMemberB)
		if !ok {
			return nil, nil, fmt.Errorf("checkout event %s: body part %d is missing", id, i)
		}
		gz = append(gz, b.Value...)
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, nil, fmt.Errorf("checkout event %s: %w", id, err)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("checkout event %s: %w", id, err)
	}
	return &e, body, nil
}

// DeleteCheckoutEvent removes an event that has now been applied, with its
// body, in one transaction.
func (s *Store) DeleteCheckoutEvent(ctx context.Context, e CheckoutEvent) error {
	items := []types.TransactWriteItem{{Delete: &types.Delete{TableName: aws.String(s.Table), Key: checkoutEventKey(e.ID).av()}}}
	for i := 0; i < e.Parts; i++ {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.Table), Key: checkoutBodyKey(e.ID, i).av()}})
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	return err
}

// PutCheckoutWarning records (or renews) a standing warning until ttl.
func (s *Store) PutCheckoutWarning(ctx context.Context, w CheckoutWarning, until time.Time) error {
	w.Message, w.TTL = cut(w.Message, maxCheckoutText), until.Unix()
	item, err := marshal(w)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: checkoutWarningKey(w.Name).item(item)})
	return err
}
