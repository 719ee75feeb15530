package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
)

func TestHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, &out); err != nil || !strings.Contains(out.String(), "load-program") {
		t.Fatalf("help: %v %q", err, out.String())
	}
}

func TestInvalidProgramWritesNothing(t *testing.T) {
	ctx := context.Background()
	db := dynamotest.Client(t)
	table := dynamotest.NewTable(t, db)
	bad := strings.Replace(string(demo.YAML), "plan: partner", "plan: platinum", 1)
	bad = strings.Replace(bad, "event: retreat-2026, kind: transcript", "event: nowhere, kind: transcript", 1)
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(ctx, []string{"load-program", "-program", path, "-table", table, "-endpoint", dynamotest.Endpoint(t)}, &out)
	if err == nil {
		t.Fatal("invalid program loaded")
	}
	for _, want := range []string{`affiliates[2].plan: unknown plan "platinum"`, `products[3].event: unknown event "nowhere"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	scan, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)}) // admin-style check of the whole table
	if err != nil {
		t.Fatal(err)
	}
	if len(scan.Items) != 0 {
		t.Errorf("%d items written by a refused program", len(scan.Items))
	}
}

func TestLoadIssueRevoke(t *testing.T) {
	ctx := context.Background()
	db := dynamotest.Client(t)
	table := dynamotest.NewTable(t, db)
	path := filepath.Join(t.TempDir(), "demo.yaml")
	if err := os.WriteFile(path, demo.YAML, 0o600); err != nil {
		t.Fatal(err)
	}
	ep := dynamotest.Endpoint(t)
	var out bytes.Buffer
	if err := run(ctx, []string{"load-program", "-program", path, "-table", table, "-endpoint", ep}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "3 affiliates, 4 links") {
		t.Errorf("load output: %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"issue-key", "-affiliate", "bob", "-table", table, "-endpoint", ep}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	key := lines[len(lines)-1]
	st := store.New(db, table)
	if k, _ := st.LookupAPIKey(ctx, store.HashKey(key)); k == nil || k.Subject != "bob" {
		t.Fatalf("issued key not found: %+v", k)
	}
	if err := run(ctx, []string{"issue-key", "-affiliate", "nobody", "-table", table, "-endpoint", ep}, &out); err == nil {
		t.Error("issued a key for an unknown affiliate")
	}
	if err := run(ctx, []string{"issue-key", "-owner", "Nobody", "-table", table, "-endpoint", ep}, &out); err == nil {
		t.Error("issued an owner key for a name that is not an owner")
	}
	out.Reset()
	if err := run(ctx, []string{"issue-key", "-owner", "Accounts", "-table", table, "-endpoint", ep}, &out); err != nil {
		t.Errorf("owner key for the program's owner: %v", err)
	}
	if err := run(ctx, []string{"revoke-key", "-key", key, "-table", table, "-endpoint", ep}, &out); err != nil {
		t.Fatal(err)
	}
	if k, _ := st.LookupAPIKey(ctx, store.HashKey(key)); k != nil {
		t.Error("revoked key still works")
	}
}

// A program file's API keys never reach a deployed table unless asked for:
// the demo's dev-owner-key must not open a real business's payouts.
func TestFileKeysAreRefusedForADeployedTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.yaml")
	if err := os.WriteFile(path, demo.YAML, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "")
	for _, endpoint := range []string{"", "https://dynamodb.eu-west-1.amazonaws.com", "http://10.0.0.5:8000"} {
		args := []string{"load-program", "-program", path, "-table", "tally"}
		if endpoint != "" {
			args = append(args, "-endpoint", endpoint)
		}
		var out bytes.Buffer
		err := run(context.Background(), args, &out)
		if err == nil || !strings.Contains(err.Error(), "owners[0].api_key") || !strings.Contains(err.Error(), "-allow-file-keys") {
			t.Errorf("endpoint %q: %v", endpoint, err)
		}
	}
	// On this machine (DynamoDB Local, the dev server) the file's keys load,
	// by -endpoint or by the SDK's endpoint variable.
	db := dynamotest.Client(t)
	table := dynamotest.NewTable(t, db)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"load-program", "-program", path, "-table", table, "-endpoint", dynamotest.Endpoint(t)}, &out); err != nil {
		t.Fatalf("local table: %v", err)
	}
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamotest.Endpoint(t))
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_REGION", "us-east-1")
	if err := run(context.Background(), []string{"load-program", "-program", path, "-table", table}, &out); err != nil {
		t.Fatalf("AWS_ENDPOINT_URL_DYNAMODB on loopback: %v", err)
	}
	k, err := store.New(db, table).LookupAPIKey(context.Background(), store.HashKey("dev-owner-key"))
	if err != nil || k == nil {
		t.Fatalf("file key not loaded locally: %v", err)
	}
}

// rebuild-markers lists every affiliate under its address again, for a
// table written before markers existed: its affiliates can then sign in.
func TestRebuildMarkers(t *testing.T) {
	ctx := context.Background()
	db := dynamotest.Client(t)
	table := dynamotest.NewTable(t, db)
	st := store.New(db, table)
	dynamotest.Load(t, st, demo.Program())
	// As a table written before markers: jane's address lists nobody.
	if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "EMAIL#jane@example.com"}, "SK": &types.AttributeValueMemberS{Value: "jane"}}}); err != nil {
		t.Fatal(err)
	}
	if ls, _ := st.AffiliatesByEmail(ctx, "jane@example.com"); len(ls) != 0 {
		t.Fatalf("jane still listed: %+v", ls)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"rebuild-markers", "-table", table, "-endpoint", dynamotest.Endpoint(t)}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "marked 3 affiliates") {
		t.Errorf("output: %q", out.String())
	}
	if ls, err := st.AffiliatesByEmail(ctx, "jane@example.com"); err != nil || len(ls) != 1 || ls[0].Code != "jane" {
		t.Errorf("jane's address after rebuild-markers: %+v %v", ls, err)
	}
}
