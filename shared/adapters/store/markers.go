package store

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/program"
)

// An affiliate's markers list it under a value it holds, so a request
// finds the few affiliates it needs by one Query of that value's
// partition and their items by key, never by reading every affiliate:
// under its recruiter (the recruiter's page) and under its email
// address (sign-in, signup). A marker holds nothing but the code: the
// affiliate is read by key, so a change shows at once.
type marker struct {
	value func(program.Affiliate) string
	key   func(value, code string) Key
}

var (
	recruitMarker = marker{func(a program.Affiliate) string { return a.RecruitedBy }, recruitKey}
	emailMarker   = marker{func(a program.Affiliate) string { return NormalizeEmail(a.Email) }, emailKey}
	markers       = []marker{recruitMarker, emailMarker}
)

// markerWrites keep a's markers what a says: each put under its value,
// deleted from the value before (prev) when that changed. A former
// affiliate keeps its markers: its overrides still name it, and its
// address stays taken.
func (s *Store) markerWrites(a program.Affiliate, prev *program.Affiliate) []types.TransactWriteItem {
	var acts []types.TransactWriteItem
	for _, m := range markers {
		v := m.value(a)
		if prev != nil {
			if was := m.value(*prev); was != "" && was != v {
				acts = append(acts, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.Table), Key: m.key(was, a.Code).av()}})
			}
		}
		if v != "" {
			acts = append(acts, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.Table),
				Item: m.key(v, a.Code).item(map[string]types.AttributeValue{"affiliate": attrS(a.Code)})}})
		}
	}
	return acts
}

// mark writes a file affiliate's markers (the loader writes affiliate by
// affiliate, not in transactions).
func (s *Store) mark(ctx context.Context, a program.Affiliate, prev *program.Affiliate) error {
	for _, act := range s.markerWrites(a, prev) {
		var err error
		if act.Put != nil {
			_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: act.Put.TableName, Item: act.Put.Item})
		} else {
			_, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: act.Delete.TableName, Key: act.Delete.Key})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Listed is an affiliate a marker lists, and whether it is a former one.
type Listed struct {
	program.Affiliate
	Former bool
}

// marked are the affiliates listed under one marker's value whose item
// still holds that value (the loader writes markers apart from its
// affiliates), in program order.
func (s *Store) marked(ctx context.Context, m marker, value string) ([]Listed, error) {
	marks, err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(m.key(value, "").PK)},
	})
	if err != nil || len(marks) == 0 {
		return nil, err
	}
	codes := make([]string, 0, len(marks))
	for _, it := range marks {
		codes = append(codes, it["SK"].(*types.AttributeValueMemberS).Value)
	}
	got, err := s.affiliatesByCode(ctx, codes, true)
	if err != nil {
		return nil, err
	}
	out := make([]Listed, 0, len(got))
	for _, l := range got {
		if m.value(l.Affiliate) == value {
			out = append(out, l)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pos < out[j].Pos })
	return out, nil
}

// AffiliatesByCode reads the affiliates (current and former) of codes by
// key, in batches, eventually consistent: a page of the owner's list.
// Unknown codes are left out; the rest keep the order of codes.
func (s *Store) AffiliatesByCode(ctx context.Context, codes []string) ([]Listed, error) {
	return s.affiliatesByCode(ctx, codes, false)
}

func (s *Store) affiliatesByCode(ctx context.Context, codes []string, consistent bool) ([]Listed, error) {
	keys := make([]Key, 0, len(codes))
	for _, c := range codes {
		keys = append(keys, affiliateKey(c))
	}
	got, err := s.batchGetWith(ctx, keys, consistent)
	if err != nil {
		return nil, err
	}
	out := make([]Listed, 0, len(keys))
	for _, k := range keys {
		item, ok := got[k]
		if !ok {
			continue
		}
		var h programItem
		var a program.Affiliate
		if err := unmarshal(item, &h); err != nil {
			return nil, err
		}
		if err := unmarshal(item, &a); err != nil {
			return nil, err
		}
		a.Pos = int64(h.Pos)
		out = append(out, Listed{a, h.Kind == "former"})
	}
	return out, nil
}

// Recruits are the affiliates a recruiter recruited, current and former
// (a former recruit's overrides still show).
func (s *Store) Recruits(ctx context.Context, recruiter string) ([]program.Affiliate, error) {
	ls, err := s.marked(ctx, recruitMarker, recruiter)
	out := make([]program.Affiliate, 0, len(ls))
	for _, l := range ls {
		out = append(out, l.Affiliate)
	}
	return out, err
}

// AffiliatesByEmail are the affiliates, current and former, whose address
// is email, in program order.
func (s *Store) AffiliatesByEmail(ctx context.Context, email string) ([]Listed, error) {
	return s.marked(ctx, emailMarker, NormalizeEmail(email))
}

// RebuildMarkers writes every affiliate's markers, current and former,
// and the payee markers of those with a ledger (then records those known
// complete): for a table written before markers existed. An
// admin tool's read of the whole program partition; markers whose
// affiliate has moved on are left, and reads skip them. It says how many
// affiliates it marked.
func (s *Store) RebuildMarkers(ctx context.Context) (int, error) {
	p, _, err := s.LoadProgram(ctx)
	if err != nil || p == nil {
		return 0, err
	}
	as := p.Payees()
	for _, a := range as {
		if err := s.mark(ctx, a, nil); err != nil {
			return 0, err
		}
	}
	if _, err := s.rebuildPayees(ctx, as); err != nil {
		return 0, err
	}
	return len(as), nil
}
