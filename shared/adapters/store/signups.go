package store

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Signup is a signup from the public page (SPEC 16) waiting for its
// address to be confirmed. Only the hash of its link's secret is stored,
// and of the sender's IP only a keyed hash, in its rate counter's key.
type Signup struct {
	ID          string `json:"id"`
	SecretHash  string `json:"secret_hash"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	PayoutEmail string `json:"payout_email,omitempty"`
	Website     string `json:"website,omitempty"`
	Event       string `json:"event,omitempty"` // "" for /join: every event open to signup
	Ref         string `json:"ref,omitempty"`   // the recruiter's code from the recruit link
	At          int64  `json:"at"`              // unix seconds, when it was sent
	Used        bool   `json:"used"`
	Expires     int64  `json:"expires"` // unix seconds
}

// Applicant statuses.
const (
	ApplicantPending  = "pending"
	ApplicantDeclined = "declined"
	ApplicantApproved = "approved"
)

// Applicant is a confirmed signup waiting for the owner (approval), or
// what the owner decided.
type Applicant struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Email       string    `json:"email"`
	PayoutEmail string    `json:"payout_email"`
	Website     string    `json:"website"`
	Event       string    `json:"event"`
	RecruitedBy string    `json:"recruited_by"`
	AppliedAt   time.Time `json:"applied_at"`
	Status      string    `json:"status"`
	Reason      string    `json:"reason,omitempty"`    // declined: why, as mailed
	Affiliate   string    `json:"affiliate,omitempty"` // approved: the code made
	Rev         int64     `json:"rev"`
}

// Joiner is an address's mark: who it is in the signup's eyes.
type Joiner struct {
	Status    string `json:"status"` // pending, declined, approved (an applicant's), or affiliate (open signup)
	Applicant string `json:"applicant,omitempty"`
	Affiliate string `json:"affiliate,omitempty"`
}

// JoinerAffiliate marks an address that became an affiliate by open signup.
const JoinerAffiliate = "affiliate"

// ErrAddressKnown: the address has joined or applied already.
var ErrAddressKnown = errors.New("address has joined or applied already")

// CountJoin counts one more signup this hour for who (an address or a
// source); false when limit were counted already. The counter expires
// with the hour.
func (s *Store) CountJoin(ctx context.Context, who string, now time.Time, limit int) (bool, error) {
	return s.countInHour(ctx, func(hour string) Key { return joinRateKey(who, hour) }, now, limit)
}

// PutSignup stores a new signup; it leaves the table a day after its link
// stops working.
func (s *Store) PutSignup(ctx context.Context, sg Signup) error {
	return s.putLink(ctx, signupKey(sg.ID), sg, sg.Expires)
}

// GetSignup reads a signup; nil when there is none.
func (s *Store) GetSignup(ctx context.Context, id string) (*Signup, error) {
	return getOne[Signup](ctx, s, signupKey(id))
}

// UseSignup marks a signup confirmed, once (ErrDead when it was used or
// has expired): two clicks of the link make one affiliate at most.
func (s *Store) UseSignup(ctx context.Context, id string, now time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.Table),
		Key:                 signupKey(id).av(),
		UpdateExpression:    aws.String("SET used = :t"),
		ConditionExpression: aws.String("attribute_exists(PK) AND used = :f AND expires > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":t": &types.AttributeValueMemberBOOL{Value: true}, ":f": &types.AttributeValueMemberBOOL{Value: false}, ":now": attrN(now.Unix()),
		},
	})
	if isConditionFailed(err) {
		return ErrDead
	}
	return err
}

// GetJoiner reads an address's mark; nil when the address never joined
// or applied.
func (s *Store) GetJoiner(ctx context.Context, email string) (*Joiner, error) {
	item, err := s.get(ctx, joinerKey(email))
	if err != nil || item == nil {
		return nil, err
	}
	var j Joiner
	return &j, unmarshal(item, &j)
}

// ClaimJoiner marks an address as joining by open signup, only if it
// carries no mark yet (ErrAddressKnown).
func (s *Store) ClaimJoiner(ctx context.Context, email string, j Joiner) error {
	item, err := marshal(j)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.Table), Item: joinerKey(email).item(item),
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if isConditionFailed(err) {
		return ErrAddressKnown
	}
	return err
}

// ReleaseJoiner removes an open signup's mark when the affiliate could not
// be made, so the address may sign up again.
func (s *Store) ReleaseJoiner(ctx context.Context, email string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.Table), Key: joinerKey(email).av()})
	return err
}

// AddApplicant stores a confirmed application and its address's mark in
// one transaction, only if the address carries no mark yet
// (ErrAddressKnown).
func (s *Store) AddApplicant(ctx context.Context, a Applicant) error {
	a.Rev = 1
	item, err := marshal(a)
	if err != nil {
		return err
	}
	mark, err := marshal(Joiner{Status: a.Status, Applicant: a.ID})
	if err != nil {
		return err
	}
	notExists := aws.String("attribute_not_exists(PK)")
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(s.Table), Item: joinerKey(a.Email).item(mark), ConditionExpression: notExists}},
		{Put: &types.Put{TableName: aws.String(s.Table), Item: applicantKey(a.ID).item(item), ConditionExpression: notExists}},
	}})
	if rs := canceledReasons(err); len(rs) > 0 && aws.ToString(rs[0].Code) == "ConditionalCheckFailed" {
		return ErrAddressKnown
	}
	return txnErr(err)
}

// Applicants are every application, oldest first.
func (s *Store) Applicants(ctx context.Context) ([]Applicant, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(applicantsPK)},
	})
	if err != nil {
		return nil, err
	}
	out := make([]Applicant, 0, len(items))
	for _, it := range items {
		var a Applicant
		if err := unmarshal(it, &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// GetApplicant reads one application; nil when there is none.
func (s *Store) GetApplicant(ctx context.Context, id string) (*Applicant, error) {
	item, err := s.get(ctx, applicantKey(id))
	if err != nil || item == nil {
		return nil, err
	}
	var a Applicant
	return &a, unmarshal(item, &a)
}

// SaveApplicant writes the owner's decision on an application and its
// address's mark in one transaction, only if the application is unchanged
// since it was read (ErrAffiliateChanged); a's revision moves on.
func (s *Store) SaveApplicant(ctx context.Context, a *Applicant) error {
	prev := a.Rev
	a.Rev++
	item, err := marshal(*a)
	if err != nil {
		return err
	}
	mark, err := marshal(Joiner{Status: a.Status, Applicant: a.ID, Affiliate: a.Affiliate})
	if err != nil {
		return err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(s.Table), Item: applicantKey(a.ID).item(item),
			ConditionExpression:       aws.String("rev = :rev"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":rev": attrN(prev)}}},
		{Put: &types.Put{TableName: aws.String(s.Table), Item: joinerKey(a.Email).item(mark)}},
	}})
	if err != nil {
		a.Rev = prev
	}
	if rs := canceledReasons(err); len(rs) > 0 && aws.ToString(rs[0].Code) == "ConditionalCheckFailed" {
		return ErrAffiliateChanged
	}
	return txnErr(err)
}
