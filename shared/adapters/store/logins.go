package store

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Login is a pending email sign-in. Only hashes of its link secret and code
// are stored.
type Login struct {
	ID         string `json:"id"`
	Affiliate  string `json:"affiliate"`      // the subject: an affiliate's code or an owner's name
	Role       string `json:"role,omitempty"` // RoleOwner for an owner; empty for an affiliate
	Email      string `json:"email"`
	Next       string `json:"next"`
	SecretHash string `json:"secret_hash"`
	CodeHash   string `json:"code_hash"`
	Attempts   int    `json:"attempts"`
	Used       bool   `json:"used"`
	Expires    int64  `json:"expires"` // unix seconds
}

// ErrDead means a sign-in was used or expired, or its code ran out of
// attempts.
var ErrDead = errors.New("sign-in is used, expired or locked")

// MaxCodeAttempts is how many wrong codes kill a sign-in's code (its link
// lives on).
const MaxCodeAttempts = 5

// CountMail counts one more sign-in mail to an address this hour; false
// when limit were already sent. The counter expires with the hour.
func (s *Store) CountMail(ctx context.Context, email string, now time.Time, limit int) (bool, error) {
	return s.countInHour(ctx, func(hour string) Key { return mailRateKey(email, hour) }, now, limit)
}

// PutLogin stores a new sign-in; it expires from the table a day after it
// stops working.
func (s *Store) PutLogin(ctx context.Context, l Login) error {
	return s.putLink(ctx, loginKey(l.ID), l, l.Expires)
}

// GetLogin reads a sign-in; nil when there is none.
func (s *Store) GetLogin(ctx context.Context, id string) (*Login, error) {
	return getOne[Login](ctx, s, loginKey(id))
}

// UseLogin marks a sign-in used, once: a conditional write, so two clicks
// of the same link (or a link and its code) start one session at most. By
// code, the code must also still have tries left; by link, wrong codes do
// not matter (nobody can lock an affiliate out by guessing).
func (s *Store) UseLogin(ctx context.Context, id string, now time.Time, byCode bool) error {
	cond := "attribute_exists(PK) AND used = :f AND expires > :now"
	vals := map[string]types.AttributeValue{
		":t": &types.AttributeValueMemberBOOL{Value: true}, ":f": &types.AttributeValueMemberBOOL{Value: false},
		":now": attrN(now.Unix()),
	}
	if byCode {
		cond += " AND attempts < :max"
		vals[":max"] = attrN(MaxCodeAttempts)
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.Table),
		Key:                       loginKey(id).av(),
		UpdateExpression:          aws.String("SET used = :t"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeValues: vals,
	})
	if isConditionFailed(err) {
		return ErrDead
	}
	return err
}

// FailCode counts a wrong code; ErrDead once the attempts are used up.
func (s *Store) FailCode(ctx context.Context, id string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.Table),
		Key:                       loginKey(id).av(),
		UpdateExpression:          aws.String("ADD attempts :one"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND attempts < :max"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": attrN(1), ":max": attrN(MaxCodeAttempts)},
	})
	if isConditionFailed(err) {
		return ErrDead
	}
	return err
}
