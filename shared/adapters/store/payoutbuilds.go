package store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/payout"
)

// StartBuild starts a run of a payout's build: the first writes b, a later
// one keeps where the build stands and only counts the run. It answers the
// build as it now stands.
func (s *Store) StartBuild(ctx context.Context, b payout.Build) (payout.Build, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: payoutBuildKey(b.ID).av(),
		UpdateExpression: aws.String("SET id = if_not_exists(id, :id), #k = if_not_exists(#k, :k), as_of = if_not_exists(as_of, :asof), " +
			"currency = if_not_exists(currency, :cur), pages = if_not_exists(pages, :zero), affiliates = if_not_exists(affiliates, :zero), " +
			"started = if_not_exists(started, :now), updated_at = :now ADD #run :one"),
		ExpressionAttributeNames: map[string]string{"#k": "key", "#run": "run"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": attrS(b.ID), ":k": attrS(b.Key),
			":asof": attrS(b.AsOf.UTC().Format(time.RFC3339Nano)), ":cur": attrS(b.Currency), ":zero": attrN(0), ":one": attrN(1),
			":now": attrS(b.UpdatedAt.UTC().Format(time.RFC3339Nano))},
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		return payout.Build{}, err
	}
	var got payout.Build
	return got, unmarshal(out.Attributes, &got)
}

// GetBuild reads a payout's build; nil when there is none (never started,
// or finished).
func (s *Store) GetBuild(ctx context.Context, id string) (*payout.Build, error) {
	return getOne[payout.Build](ctx, s, payoutBuildKey(id))
}

// SaveBuildProgress records a step of a build, on condition that it is
// still the run that read it at prevPages pages: ErrConflict when another
// request or worker moved it, or it is finished.
func (s *Store) SaveBuildProgress(ctx context.Context, b payout.Build, prevPages int) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: payoutBuildKey(b.ID).av(),
		UpdateExpression:         aws.String("SET #c = :c, pages = :pages, affiliates = :affs, updated_at = :now"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND pages = :prev AND #run = :run"),
		ExpressionAttributeNames: map[string]string{"#c": "cursor", "#run": "run"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": attrS(b.Cursor), ":pages": attrN(int64(b.Pages)),
			":affs": attrN(int64(b.Affiliates)), ":now": attrS(b.UpdatedAt.UTC().Format(time.RFC3339Nano)),
			":prev": attrN(int64(prevPages)), ":run": attrN(b.Run)},
	})
	if isConditionFailed(err) {
		return ErrConflict
	}
	return err
}

// DeleteBuild removes a finished build; repeating it is harmless.
func (s *Store) DeleteBuild(ctx context.Context, id string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.Table), Key: payoutBuildKey(id).av()})
	return err
}

// ListBuilds are the payouts being built, newest first.
func (s *Store) ListBuilds(ctx context.Context) ([]payout.Build, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(payoutBuildsPK)},
		ScanIndexForward:          aws.Bool(false),
	})
	if err != nil {
		return nil, err
	}
	return decodeAll[payout.Build](items)
}
