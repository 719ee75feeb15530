package store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// MailOff says whether the affiliate turned their mail off.
func (s *Store) MailOff(ctx context.Context, affiliate string) (bool, error) {
	item, err := s.get(ctx, notifyKey(affiliate))
	if err != nil || item == nil {
		return false, err
	}
	v, _ := item["mail_off"].(*types.AttributeValueMemberBOOL)
	return v != nil && v.Value, nil
}

// SetMailOff turns the affiliate's mail off (unsubscribe) or back on.
func (s *Store) SetMailOff(ctx context.Context, affiliate string, off bool, now time.Time) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: notifyKey(affiliate).item(map[string]types.AttributeValue{
		"mail_off": &types.AttributeValueMemberBOOL{Value: off}, "changed_at": attrS(now.UTC().Format(time.RFC3339)),
	})})
	return err
}
