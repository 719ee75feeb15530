package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/ledger"
)

// An affiliate gets a payee marker with its first ledger entry, however the
// entry is written (an order's transaction, an adjustment, an import), and
// a payout's pages go through those affiliates only. A table written before
// markers existed goes through every affiliate until `rebuild-markers` has
// marked those with a ledger.
func TestPayoutsGoThroughTheAffiliatesWithALedger(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	entry := func(aff, id string) ledger.Entry {
		return ledger.Entry{ID: id, Affiliate: aff, At: at, Type: ledger.TypeAdjustment, Rule: ledger.RuleAdjustment,
			AmountCents: 500, Reason: "test", AvailableOn: at}
	}
	codes := func(t *testing.T, st *store.Store) []string {
		t.Helper()
		var out []string
		for cursor := ""; ; {
			page, next, err := st.PayeePage(ctx, cursor, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page {
				out = append(out, a.Code)
			}
			if next == "" {
				return out
			}
			cursor = next
		}
	}
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		db := on.Client(t)
		table := dynamotest.NewTable(t, db)
		st := store.New(db, table)
		dynamotest.Load(t, st, demo.Program())
		dynamotest.ImportCrowd(t, st, 0, 5)
		if known, err := st.PayeesKnown(ctx); err != nil || !known {
			t.Fatalf("a program loaded on a new table: markers known %v, %v", known, err)
		}
		if got := codes(t, st); len(got) != 0 {
			t.Fatalf("no ledger yet, a payout goes through %v", got)
		}
		order := store.Write{Record: store.TxnKey("o1"), Txn: store.Txn{Kind: "order", Hash: "h", Response: "{}"},
			Entries: []ledger.Entry{entry("jane", "o1:a"), entry("jane", "o1:b"), entry("crowd-0003", "o1:c")}}
		if err := st.Commit(ctx, order); err != nil {
			t.Fatal(err)
		}
		if err := st.PutAdjustment(ctx, "adj-1", store.Adjustment{Hash: "h", Response: "{}"}, entry("kim", "a:adj-1")); err != nil {
			t.Fatal(err)
		}
		if err := st.Import(ctx, store.Batch{Entries: []ledger.Entry{entry("crowd-0001", "i1")}}); err != nil {
			t.Fatal(err)
		}
		want := []string{"crowd-0001", "crowd-0003", "jane", "kim"}
		if got := codes(t, st); !slices.Equal(got, want) {
			t.Fatalf("a payout goes through %v, want %v", got, want)
		}
		has, err := st.WithLedger(ctx, []string{"bob", "jane", "crowd-0002", "crowd-0003"})
		if err != nil || fmt.Sprint(has) != "map[crowd-0003:true jane:true]" {
			t.Errorf("with a ledger: %v %v", has, err)
		}

		// The same table as written before markers: none, not known.
		for _, k := range append([]string{"#known"}, want...) {
			if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
				"PK": &types.AttributeValueMemberS{Value: "PAYEES"}, "SK": &types.AttributeValueMemberS{Value: k}}}); err != nil {
				t.Fatal(err)
			}
		}
		old := store.New(db, table) // a new function: nothing remembered
		all := codes(t, old)
		if len(all) != 3+5 {
			t.Fatalf("without markers a payout must go through every affiliate; it goes through %v", all)
		}
		if has, err := old.WithLedger(ctx, []string{"bob", "jane"}); err != nil || has != nil {
			t.Errorf("without markers, with a ledger: %v %v (want nil: cannot tell)", has, err)
		}
		if _, err := old.RebuildMarkers(ctx); err != nil {
			t.Fatal(err)
		}
		if got := codes(t, store.New(db, table)); !slices.Equal(got, want) {
			t.Errorf("after rebuild-markers a payout goes through %v, want %v", got, want)
		}
	})
}

// A list of affiliates whose size is a multiple of the page ends on a full
// page: the last page says no page follows, rather than leading to an
// empty one.
func TestAListOfAMultipleOfAPageEndsOnAFullPage(t *testing.T) {
	ctx := context.Background()
	st := dynamotest.NewStore(t)
	dynamotest.Load(t, st, demo.Program())
	dynamotest.ImportCrowd(t, st, 0, 197) // 200 with the demo's 3
	sizes := pageSizes(t, func(cursor string) (int, string, error) {
		page, next, err := st.AffiliatePage(ctx, cursor, 100)
		return len(page), next, err
	})
	if fmt.Sprint(sizes) != "[100 100]" {
		t.Errorf("200 affiliates by 100: pages of %v", sizes)
	}
	for _, code := range []string{"bob", "jane", "kim", "crowd-0000"} {
		if err := st.Import(ctx, store.Batch{Entries: []ledger.Entry{{ID: "i-" + code, Affiliate: code, At: time.Now(), Type: ledger.TypeAdjustment}}}); err != nil {
			t.Fatal(err)
		}
	}
	sizes = pageSizes(t, func(cursor string) (int, string, error) {
		page, next, err := st.PayeePage(ctx, cursor, 2)
		return len(page), next, err
	})
	if fmt.Sprint(sizes) != "[2 2]" {
		t.Errorf("4 affiliates with a ledger by 2: pages of %v", sizes)
	}
}

// pageSizes follows a list's cursors from the first page to the last and
// says how long each page was.
func pageSizes(t *testing.T, page func(cursor string) (int, string, error)) []int {
	t.Helper()
	var sizes []int
	for cursor := ""; ; {
		n, next, err := page(cursor)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, n)
		if next == "" {
			return sizes
		}
		cursor = next
	}
}
