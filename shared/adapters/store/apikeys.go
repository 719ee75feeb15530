package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Roles an API key can have.
const (
	RoleAffiliate = "affiliate"
	RoleOwner     = "owner"
)

// HashKey is how API keys are stored: only their SHA-256, never the key.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func apiKeyItem(hash, role, subject, source string, now time.Time) map[string]types.AttributeValue {
	return apiKeyKey(hash).item(map[string]types.AttributeValue{
		"role": attrS(role), "subject": attrS(subject), "source": attrS(source),
		"created_at": attrS(now.UTC().Format(time.RFC3339)),
	})
}

// APIKey is what an API key stands for.
type APIKey struct {
	Role    string `json:"role"`
	Subject string `json:"subject"` // affiliate code or owner name
	Revoked string `json:"revoked_at,omitempty"`
}

// LookupAPIKey finds the key with this hash; nil when unknown or revoked.
func (s *Store) LookupAPIKey(ctx context.Context, hash string) (*APIKey, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.Table), Key: apiKeyKey(hash).av()})
	if err != nil || out.Item == nil {
		return nil, err
	}
	var k APIKey
	if err := unmarshal(out.Item, &k); err != nil {
		return nil, err
	}
	if k.Revoked != "" {
		return nil, nil
	}
	return &k, nil
}

// IssueAPIKey stores a new key's hash for an affiliate or owner (CLI).
func (s *Store) IssueAPIKey(ctx context.Context, key, role, subject string, now time.Time) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.Table),
		Item:                apiKeyItem(HashKey(key), role, subject, "cli", now),
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	return err
}

// ErrNoKey: no API key has that hash.
var ErrNoKey = errors.New("no such key")

// RevokeAPIKey marks a key revoked; it answers 401 from then on. ErrNoKey
// when there is no such key.
func (s *Store) RevokeAPIKey(ctx context.Context, hash string, now time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.Table),
		Key:                       apiKeyKey(hash).av(),
		UpdateExpression:          aws.String("SET revoked_at = :t"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": attrS(now.UTC().Format(time.RFC3339))},
	})
	if isConditionFailed(err) {
		return ErrNoKey
	}
	return err
}
