package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// PutSession records a session so it can be ended on the server. subject
// is the affiliate's code or the owner's name; role is RoleAffiliate or
// RoleOwner (an item without a role is an affiliate's).
func (s *Store) PutSession(ctx context.Context, id, subject, role string, expires time.Time) error {
	item := map[string]types.AttributeValue{"affiliate": attrS(subject), attrTTL: attrN(expires.Unix())}
	if role != RoleAffiliate {
		item["role"] = attrS(role)
	}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: sessionKey(id).item(item)})
	return err
}

// Session is the subject and role of a live session, "" when it was ended
// (or never existed). now is the caller's clock, so an item past its TTL
// that DynamoDB has not yet deleted is not taken for a live session.
func (s *Store) Session(ctx context.Context, id string, now time.Time) (subject, role string, err error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.Table), Key: sessionKey(id).av()})
	if err != nil || out.Item == nil {
		return "", "", err
	}
	v, ok := out.Item["affiliate"].(*types.AttributeValueMemberS)
	if !ok {
		return "", "", fmt.Errorf("session %s: no subject", id)
	}
	if t, ok := out.Item[attrTTL].(*types.AttributeValueMemberN); ok {
		if exp, err := strconv.ParseInt(t.Value, 10, 64); err == nil && now.Unix() >= exp {
			return "", "", nil
		}
	}
	role = RoleAffiliate
	if r, ok := out.Item["role"].(*types.AttributeValueMemberS); ok {
		role = r.Value
	}
	return v.Value, role, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.Table), Key: sessionKey(id).av()})
	return err
}
