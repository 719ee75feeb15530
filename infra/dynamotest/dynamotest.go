// Package dynamotest gives integration tests a fresh table on DynamoDB Local,
// created from template.yaml's own definition. `make test` starts DynamoDB
// Local and sets TALLY_TEST_DYNAMODB; without it these tests fail, never skip.
// Store-level tests run on both stores Tally runs on (EachStore): DynamoDB
// Local, which behaves as AWS does, and the dev server's embedded store.
package dynamotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/infra/embedded"
	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/program"
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

// Store names one of the stores integration tests run on.
type Store string

const (
	DynamoDBLocal Store = "dynamodb-local"
	Embedded      Store = "embedded" // the dev server's store (infra/embedded)
)

// Stores are every store a store-level test must pass on.
var Stores = []Store{DynamoDBLocal, Embedded}

var embeddedOnce struct {
	sync.Once
	endpoint string
	err      error
}

// Endpoint is the store's URL: DynamoDB Local's from the environment, or one
// embedded store shared by the test binary (each test has its own table).
func (s Store) Endpoint(t testing.TB) string {
	t.Helper()
	if s == DynamoDBLocal {
		return Endpoint(t)
	}
	embeddedOnce.Do(func() { embeddedOnce.endpoint, _, embeddedOnce.err = embedded.Start() })
	if embeddedOnce.err != nil {
		t.Fatalf("start the embedded store: %v", embeddedOnce.err)
	}
	return embeddedOnce.endpoint
}

// Client is a DynamoDB client for the store.
func (s Store) Client(t testing.TB) *dynamodb.Client { return app.LocalDynamoDB(s.Endpoint(t)) }

// EachStore runs f as one subtest per store, named after it.
func EachStore(t *testing.T, f func(t *testing.T, s Store)) {
	t.Helper()
	for _, s := range Stores {
		t.Run(string(s), func(t *testing.T) { f(t, s) })
	}
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
	// Names are fresh, so a table already there is this call's own: a
	// request the SDK sent again after the first was slow to answer.
	var inUse *types.ResourceInUseException
	if err := tpl.CreateTable(ctx, db, name, opts...); err != nil && !errors.As(err, &inUse) {
		return err
	}
	if embedded.Is(aws.ToString(db.Options().BaseEndpoint)) {
		return nil // the embedded store has no TTL (docs/decisions.md, Dev server)
	}
	return tpl.EnableTTL(ctx, db, name)
}

// NewStore is a store over a fresh table on DynamoDB Local.
func NewStore(t testing.TB) *store.Store {
	t.Helper()
	db := Client(t)
	return store.New(db, NewTable(t, db))
}

// NewStoreOn is a store over a fresh table on s.
func NewStoreOn(t testing.TB, s Store) *store.Store {
	t.Helper()
	db := s.Client(t)
	return store.New(db, NewTable(t, db))
}

// Load saves a program into the store and returns it as loaded (with its
// short codes).
// ImportCrowd adds affiliates crowd-<from> to crowd-<from+n-1> (standard
// plan, the summit and the retreat) as the owner's import does: each
// import gives the program a new version of one length, so tests can
// compare the bytes a cold start reads before and after.
func ImportCrowd(t testing.TB, st *store.Store, from, n int) {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("code,name,email,plan,events\n")
	for i := from; i < from+n; i++ {
		fmt.Fprintf(&csv, "crowd-%04d,Crowd %d,crowd-%04d@example.org,standard,summit-2026;retreat-2026\n", i, i, i)
	}
	if _, err := st.ImportCSV(context.Background(), []byte(csv.String()), time.Now()); err != nil {
		t.Fatalf("import %d affiliates: %v", n, err)
	}
}

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

// RawItem reads the item at k as the table holds it (nil when absent), for
// tests of how large an item is or what it holds.
func RawItem(t testing.TB, db *dynamodb.Client, table string, k store.Key) map[string]types.AttributeValue {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: k.PK}, "SK": &types.AttributeValueMemberS{Value: k.SK}}})
	if err != nil {
		t.Fatalf("get %v: %v", k, err)
	}
	return out.Item
}
