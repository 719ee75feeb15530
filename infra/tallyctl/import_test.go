package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
)

// rows is an import of n affiliates; bad, when not 0, is the line (the
// header is line 1) given a plan the program does not have.
func rows(n, bad int) string {
	var b strings.Builder
	b.WriteString("code,name,email,plan,events,payout_email,coupons\n")
	for i := 1; i <= n; i++ {
		plan := "standard"
		if i+1 == bad {
			plan = "gold"
		}
		fmt.Fprintf(&b, "aff-%04d,Affiliate %d,aff%d@example.org,%s,summit-2026;gut-2026,,CODE%04d\n", i, i, i, plan, i)
	}
	return b.String()
}

// everything is every item of the table, as a test sees it.
func everything(t *testing.T, db *dynamodb.Client, table string) int {
	t.Helper()
	n := 0
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table)}) // a test's look at the whole table
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Items)
	}
	return n
}

// SPEC 15's import: a file with one bad line writes nothing and names the
// line; fixed, it imports; the same file twice changes nothing; and the
// affiliates it made survive load-program.
func TestImportAffiliates(t *testing.T) {
	ctx := context.Background()
	db := dynamotest.Client(t)
	table := dynamotest.NewTable(t, db)
	ep := dynamotest.Endpoint(t)
	dir := t.TempDir()
	prog := filepath.Join(dir, "demo.yaml")
	if err := os.WriteFile(prog, demo.YAML, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	tally := func(args ...string) error {
		out.Reset()
		return run(ctx, append(args, "-table", table, "-endpoint", ep), &out)
	}
	if err := tally("load-program", "-program", prog); err != nil {
		t.Fatal(err)
	}
	st := store.New(db, table)
	csv := filepath.Join(dir, "affiliates.csv")

	if err := os.WriteFile(csv, []byte(rows(1000, 731)), 0o600); err != nil {
		t.Fatal(err)
	}
	before, v0 := everything(t, db, table), version(t, st)
	err := tally("import-affiliates", csv)
	if err == nil || !strings.Contains(err.Error(), `line 731: plan: unknown plan "gold"`) || !strings.Contains(err.Error(), "1 problems; nothing was imported") {
		t.Fatalf("a file with one bad line: %v", err)
	}
	if after := everything(t, db, table); after != before || version(t, st) != v0 {
		t.Fatalf("a refused file wrote %d items", after-before)
	}

	if err := os.WriteFile(csv, []byte(rows(1000, 0)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := tally("import-affiliates", csv); err != nil || !strings.Contains(out.String(), "1000 new, 0 updated, 0 unchanged") {
		t.Fatalf("import: %v %s", err, out.String())
	}
	// Written from here, with its progress printed as it goes.
	if !strings.Contains(out.String(), "500 of 1000 rows to write done\n  1000 of 1000 rows to write done\n") {
		t.Errorf("no progress printed: %s", out.String())
	}
	p, _, _ := st.LoadProgram(ctx)
	if a, ok := p.Affiliate("aff-0731"); !ok || a.ManagedBy() != "import" || len(a.Events) != 2 || a.Coupons[0] != "CODE0731" {
		t.Fatalf("aff-0731: %+v", a)
	}
	if _, ok := p.LinkFor("gut-2026", "aff-1000"); !ok {
		t.Error("no link for an imported enrollment")
	}

	before, v0 = everything(t, db, table), version(t, st)
	if err := tally("import-affiliates", csv); err != nil || !strings.Contains(out.String(), "0 new, 0 updated, 1000 unchanged") {
		t.Fatalf("the same file again: %v %s", err, out.String())
	}
	if everything(t, db, table) != before || version(t, st) != v0 {
		t.Error("the same file twice changed the table")
	}

	// A file affiliate's code in an import is refused.
	if err := os.WriteFile(csv, []byte("code,name,email,plan,events\njane,Jane,jane@example.com,standard,summit-2026\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := tally("import-affiliates", csv); err == nil || !strings.Contains(err.Error(), `line 2: "jane" is in the program file`) {
		t.Errorf("jane in an import: %v", err)
	}

	// load-program again: the imported affiliates stay as they are.
	if err := tally("load-program", "-program", prog); err != nil {
		t.Fatal(err)
	}
	p, _, _ = st.LoadProgram(ctx)
	if len(p.Affiliates) != 1003 || len(p.Former) != 0 {
		t.Errorf("after load-program: %d affiliates, %d former", len(p.Affiliates), len(p.Former))
	}
	if a, ok := p.Affiliate("aff-0001"); !ok || !a.IsActive() || a.Name != "Affiliate 1" {
		t.Errorf("aff-0001 after load-program: %+v", a)
	}
}

func version(t *testing.T, st *store.Store) string {
	t.Helper()
	v, err := st.ProgramVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}
