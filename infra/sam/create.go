package sam

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CreateTable creates the template's table (keys, attributes, indexes,
// stream) under name unless it exists; opts may change what is created.
func (t *Template) CreateTable(ctx context.Context, db *dynamodb.Client, name string, opts ...func(*dynamodb.CreateTableInput)) error {
	in, err := t.Table(name)
	if err != nil {
		return err
	}
	for _, o := range opts {
		o(in)
	}
	if _, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}); err == nil {
		return nil
	}
	if _, err := db.CreateTable(ctx, in); err != nil {
		return err
	}
	// Wait for ACTIVE; a store that reports no status (the embedded one) is
	// ready at once.
	for deadline := time.Now().Add(30 * time.Second); ; {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			return err
		}
		if st := out.Table.TableStatus; st == "" || st == types.TableStatusActive {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("table %s not active after 30s", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

// EnableTTL turns on the template's time-to-live attribute on a table
// (DynamoDB Local supports it; the dev server's embedded store does not).
func (t *Template) EnableTTL(ctx context.Context, db *dynamodb.Client, name string) error {
	attr := t.TTLAttribute()
	if attr == "" {
		return nil
	}
	_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(attr), Enabled: aws.Bool(true)},
	})
	return err
}

// NoStream creates the table without its stream: for tests that never read
// it (DynamoDB Local records every write in a stream otherwise).
func NoStream(in *dynamodb.CreateTableInput) { in.StreamSpecification = nil }
