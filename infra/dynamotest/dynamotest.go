// Package dynamotest gives integration tests a fresh table on DynamoDB Local,
// created from template.yaml's own definition. `make test` starts DynamoDB
// Local and sets TALLY_TEST_DYNAMODB; without it these tests fail, never skip.
package dynamotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/program"
	"github.com/tallyhq/tally/shared/store"
)

// EnvEndpoint names the variable that holds DynamoDB Local's URL.
const EnvEndpoint = "TALLY_TEST_DYNAMODB"

// Endpoint is DynamoDB Local's URL; the test fails when it is not set.
func Endpoint(t testing.TB) string {
	t.Helper()
	ep := os.Getenv(EnvEndpoint)
	if ep == "" {
		t.Fatalf("%s is not set: integration tests need DynamoDB Local; run them with `make test`, which starts it", EnvEndpoint)
	}
	return ep
}

// Client is a DynamoDB client for DynamoDB Local.
func Client(t testing.TB) *dynamodb.Client {
	return app.LocalDynamoDB(Endpoint(t))
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// NewTable creates a table named after the test, with the keys and indexes
// template.yaml declares, and deletes it when the test ends.
func NewTable(t testing.TB, db *dynamodb.Client) string {
	t.Helper()
	return newTable(t, db, sam.NoStream)
}

// NewStreamTable is NewTable with the table's stream, for tests of what
// reads it (mail, outgoing webhooks).
func NewStreamTable(t testing.TB, db *dynamodb.Client) string {
	t.Helper()
	return newTable(t, db)
}

func newTable(t testing.TB, db *dynamodb.Client, opts ...func(*dynamodb.CreateTableInput)) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := unsafe.ReplaceAllString(t.Name(), "_")
	if len(name) > 200 {
		name = name[:200]
	}
	name = name + "-" + hex.EncodeToString(b)
	if err := CreateTable(context.Background(), db, name, opts...); err != nil {
		t.Fatalf("create table: %v", err)
	}
	note(t.Name())
	t.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}

// CreateTable creates a table as template.yaml declares it, with its TTL,
// unless one of that name exists.
func CreateTable(ctx context.Context, db *dynamodb.Client, name string, opts ...func(*dynamodb.CreateTableInput)) error {
	tpl, err := sam.LoadRepo()
	if err != nil {
		return err
	}
	if err := tpl.CreateTable(ctx, db, name, opts...); err != nil {
		return err
	}
	return tpl.EnableTTL(ctx, db, name)
}

// NewStore is a store over a fresh table on DynamoDB Local.
func NewStore(t testing.TB) *store.Store {
	t.Helper()
	db := Client(t)
	return store.New(db, NewTable(t, db))
}

// Load saves a program into the store and returns it as loaded (with its
// short codes).
func Load(t testing.TB, st *store.Store, p *program.Program) *program.Program {
	t.Helper()
	ctx := context.Background()
	if _, err := st.SaveProgram(ctx, p, time.Now()); err != nil {
		t.Fatalf("save program: %v", err)
	}
	loaded, _, err := st.LoadProgram(ctx)
	if err != nil {
		t.Fatalf("load program: %v", err)
	}
	return loaded
}

// note records that an integration test ran against DynamoDB Local, so the
// test command can say how many did.
func note(name string) {
	path := os.Getenv("TALLY_TEST_REPORT")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.WriteString(name + "\n")
}
