package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/program"
)

// recruitMarks are the writes that keep a's recruiter's marker what a
// says: put under its recruiter, deleted from the one before (prev) when
// that changed. A marker holds nothing but the code: the recruit is read
// by key, so a rename shows at once.
func (s *Store) recruitMarks(a program.Affiliate, prev *program.Affiliate) []types.TransactWriteItem {
	var acts []types.TransactWriteItem
	if prev != nil && prev.RecruitedBy != "" && prev.RecruitedBy != a.RecruitedBy {
		acts = append(acts, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.Table), Key: recruitKey(prev.RecruitedBy, a.Code).av()}})
	}
	if a.RecruitedBy != "" {
		acts = append(acts, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.Table),
			Item: recruitKey(a.RecruitedBy, a.Code).item(map[string]types.AttributeValue{"affiliate": attrS(a.Code)})}})
	}
	return acts
}

// markRecruit writes a file affiliate's recruiter marker (the loader
// writes affiliate by affiliate, not in transactions).
func (s *Store) markRecruit(ctx context.Context, a program.Affiliate, prev *program.Affiliate) error {
	for _, act := range s.recruitMarks(a, prev) {
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

// Recruits are the affiliates a recruiter recruited, current and former
// (a former recruit's overrides still show): one Query of the recruiter's
// markers, then the recruits by key.
func (s *Store) Recruits(ctx context.Context, recruiter string) ([]program.Affiliate, error) {
	marks, err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(recruitKey(recruiter, "").PK)},
	})
	if err != nil || len(marks) == 0 {
		return nil, err
	}
	keys := make([]Key, 0, len(marks))
	for _, m := range marks {
		keys = append(keys, affiliateKey(m["SK"].(*types.AttributeValueMemberS).Value))
	}
	got, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make([]program.Affiliate, 0, len(keys))
	for _, k := range keys {
		item, ok := got[k]
		if !ok {
			continue
		}
		var a program.Affiliate
		if err := unmarshal(item, &a); err != nil {
			return nil, err
		}
		if a.RecruitedBy == recruiter { // the file loader's markers are written apart from its affiliates
			out = append(out, a)
		}
	}
	return out, nil
}
