package store

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/ledger"
)

// digestTTL keeps a day's digest items a month after the day.
const digestTTL = 30 * 24 * time.Hour

// PutDigestEntry files an entry for the day's digest (again: no change).
func (s *Store) PutDigestEntry(ctx context.Context, day string, e ledger.Entry, now time.Time) error {
	item, err := marshal(e)
	if err != nil {
		return err
	}
	sk := EntryKey(e.Affiliate, e.At, e.ID).SK
	item[attrTTL] = attrN(now.Add(digestTTL).Unix())
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: digestKey(day, e.Affiliate, sk).item(item)})
	return err
}

// Digest is a day's entries by affiliate, and who was already sent theirs.
func (s *Store) Digest(ctx context.Context, day string) (map[string][]ledger.Entry, map[string]bool, error) {
	items, err := s.queryRange(ctx, "", "DIGEST#"+day, "0", "~")
	if err != nil {
		return nil, nil, err
	}
	entries, sent := map[string][]ledger.Entry{}, map[string]bool{}
	for _, it := range items {
		sk, _ := it[attrSK].(*types.AttributeValueMemberS)
		if sk == nil {
			continue
		}
		if a, ok := strings.CutPrefix(sk.Value, "SENT#"); ok {
			sent[a] = true
			continue
		}
		var e ledger.Entry
		if err := unmarshal(it, &e); err != nil {
			return nil, nil, err
		}
		entries[e.Affiliate] = append(entries[e.Affiliate], e)
	}
	return entries, sent, nil
}

// MarkDigestSent records that the affiliate's digest of the day went out.
func (s *Store) MarkDigestSent(ctx context.Context, day, affiliate string, now time.Time) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: digestSentKey(day, affiliate).item(map[string]types.AttributeValue{
		"sent_at": attrS(now.UTC().Format(time.RFC3339)), attrTTL: attrN(now.Add(digestTTL).Unix()),
	})})
	return err
}
