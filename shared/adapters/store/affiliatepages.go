package store

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/program"
)

// AffiliatePage is one page of every affiliate, current and former, in the
// order of their codes, after cursor ("" for the first page): one Query of
// the program partition's AFFILIATE# range, at most limit items, eventually
// consistent. next is "" on the last page. What goes through every
// affiliate in bounded steps (the owner's balances, a payout being built)
// reads the affiliates this way, never the whole program at once.
func (s *Store) AffiliatePage(ctx context.Context, cursor string, limit int) (page []Listed, next string, err error) {
	// One more than the page: whether another page follows is known now,
	// so a list of a multiple of limit ends on a full page, not an empty one.
	in := &dynamodb.QueryInput{TableName: aws.String(s.Table), Limit: aws.Int32(int32(limit + 1)),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :pre)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": attrS(programPK), ":pre": attrS(affiliateSKPrefix)}}
	if cursor != "" {
		code, err := codeAfter(cursor)
		if err != nil {
			return nil, "", err
		}
		k := affiliateKey(code)
		in.ExclusiveStartKey = map[string]types.AttributeValue{attrPK: attrS(k.PK), attrSK: attrS(k.SK)}
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("affiliate page: %w", err)
	}
	items := out.Items
	if len(items) > limit {
		items = items[:limit]
	}
	page = make([]Listed, 0, len(items))
	for _, item := range items {
		var h programItem
		var a program.Affiliate
		if err := unmarshal(item, &h); err != nil {
			return nil, "", err
		}
		if err := unmarshal(item, &a); err != nil {
			return nil, "", err
		}
		a.Pos = int64(h.Pos)
		page = append(page, Listed{a, h.Kind == "former"})
	}
	if len(out.Items) > limit {
		next = codeCursor(page[len(page)-1].Code)
	}
	return page, next, nil
}

// EachAffiliatePage calls f with every page of AffiliatePage, in order,
// until the last page or f's first error.
func (s *Store) EachAffiliatePage(ctx context.Context, limit int, f func(page []Listed) error) error {
	cursor := ""
	for {
		page, next, err := s.AffiliatePage(ctx, cursor, limit)
		if err != nil {
			return err
		}
		if len(page) > 0 {
			if err := f(page); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
}

// codeCursor is the cursor of a list by code (the affiliates, the payee
// markers) whose page ended at code; codeAfter reads it back.
func codeCursor(code string) string { return base64.RawURLEncoding.EncodeToString([]byte(code)) }

func codeAfter(cursor string) (string, error) {
	code, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(code) == 0 {
		return "", fault.Fields(map[string]string{"page": "not a page of this list: start again from the first page"})
	}
	return string(code), nil
}
