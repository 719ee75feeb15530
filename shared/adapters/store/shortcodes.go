package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const shortAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// reserveShortCode draws a random code (8 characters of an alphabet without
// look-alikes: about 10^14 codes, so they cannot be enumerated) and claims it
// with a conditional write, drawing again on the rare collision.
func (s *Store) reserveShortCode(ctx context.Context, event, affiliate string) (string, error) {
	for attempt := 0; attempt < 5; attempt++ {
		code := randomCode(8)
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(s.Table),
			Item: shortCodeKey(code).item(map[string]types.AttributeValue{
				"event": attrS(event), "affiliate": attrS(affiliate),
			}),
			ConditionExpression: aws.String("attribute_not_exists(PK)"),
		})
		if err == nil {
			return code, nil
		}
		if !isConditionFailed(err) {
			return "", fmt.Errorf("reserve short code: %w", err)
		}
	}
	return "", fmt.Errorf("reserve short code: no free code after 5 draws")
}

func randomCode(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	var sb strings.Builder
	for _, c := range b {
		// 256 % 56 bias is negligible for codes that only need to be unguessable.
		sb.WriteByte(shortAlphabet[int(c)%len(shortAlphabet)])
	}
	return sb.String()
}
