package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/program"
)

func TestTableIsTheTemplates(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		db := on.Client(t)
		name := dynamotest.NewTable(t, db)
		out, err := db.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		tpl, err := sam.LoadRepo()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := tpl.Table(name)
		got := out.Table
		if len(got.KeySchema) != len(want.KeySchema) {
			t.Fatalf("key schema %v, want %v", got.KeySchema, want.KeySchema)
		}
		for i := range want.KeySchema {
			if *got.KeySchema[i].AttributeName != *want.KeySchema[i].AttributeName || got.KeySchema[i].KeyType != want.KeySchema[i].KeyType {
				t.Errorf("key %d: %v, want %v", i, got.KeySchema[i], want.KeySchema[i])
			}
		}
		idx := map[string]bool{}
		for _, g := range got.GlobalSecondaryIndexes {
			idx[*g.IndexName] = true
		}
		for _, g := range want.GlobalSecondaryIndexes {
			if !idx[*g.IndexName] {
				t.Errorf("index %s missing", *g.IndexName)
			}
		}
		uses := []string{store.IndexByOrder, store.IndexOpen}
		for _, srt := range store.SummarySortIndexes() {
			uses = append(uses, srt)
		}
		for _, n := range uses {
			if !idx[n] {
				t.Errorf("index %s, which keys.go uses, missing", n)
			}
		}
		if len(idx) != len(uses) {
			t.Errorf("indexes %v, want the ones keys.go uses", idx)
		}
	})
}

func TestProgramRoundTripKeepsShortCodes(t *testing.T) {
	ctx := context.Background()
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		st := dynamotest.NewStoreOn(t, on)
		p := dynamotest.Load(t, st, demo.Program())
		if len(p.Links) != 4 { // jane×2, bob, kim
			t.Fatalf("links: %+v", p.Links)
		}
		l, ok := p.LinkFor("summit-2026", "jane")
		if !ok || len(l.Code) != 8 {
			t.Fatalf("jane's summit link: %+v", l)
		}
		if got, ok := p.LinkByCode(l.Code); !ok || got.Affiliate != "jane" {
			t.Fatalf("by code: %+v", got)
		}
		if prod, _ := p.Product("SUM26-JANE-COURSE"); prod.Speaker != "jane" || prod.PriceCents != 20000 {
			t.Fatalf("product: %+v", prod)
		}
		if a, _ := p.Affiliate("jane"); len(a.Events) != 2 || a.Events[0] != "summit-2026" || a.APIKey != "" {
			t.Fatalf("affiliate as loaded: %+v", a)
		}
		if p.Location().String() != "America/New_York" || p.HoldDays() != 14 {
			t.Fatalf("settings: %v %d", p.Location(), p.HoldDays())
		}
		// Reloading (with bob now in retreat too) keeps every existing code.
		p2 := demo.Program()
		bob, _ := p2.Affiliate("bob")
		bob.Events = append(bob.Events, "retreat-2026")
		v1, _ := st.ProgramVersion(ctx)
		again := dynamotest.Load(t, st, p2)
		v2, _ := st.ProgramVersion(ctx)
		if v1 == v2 {
			t.Error("version did not change")
		}
		if l2, _ := again.LinkFor("summit-2026", "jane"); l2.Code != l.Code {
			t.Errorf("code changed: %s -> %s", l.Code, l2.Code)
		}
		if _, ok := again.LinkFor("retreat-2026", "bob"); !ok || len(again.Links) != 5 {
			t.Errorf("new enrollment has no link: %+v", again.Links)
		}
	})
}

func TestAPIKeysAreStoredHashedAndFollowTheFile(t *testing.T) {
	ctx := context.Background()
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		st := dynamotest.NewStoreOn(t, on)
		dynamotest.Load(t, st, demo.Program())
		k, err := st.LookupAPIKey(ctx, store.HashKey("dev-jane-key"))
		if err != nil || k == nil || k.Role != store.RoleAffiliate || k.Subject != "jane" {
			t.Fatalf("jane's key: %+v %v", k, err)
		}
		if k, _ := st.LookupAPIKey(ctx, store.HashKey("dev-owner-key")); k == nil || k.Role != store.RoleOwner {
			t.Fatalf("owner key: %+v", k)
		}
		// The key itself is nowhere in the table.
		item, _ := st.RawItem(ctx, store.AffiliateKey("jane"))
		for n, v := range item {
			if s, ok := v.(interface{ String() string }); ok && s.String() == "dev-jane-key" {
				t.Errorf("attribute %s holds the key", n)
			}
		}
		// A new file without jane's key drops it.
		p := demo.Program()
		jane, _ := p.Affiliate("jane")
		jane.APIKey = "rotated-jane-key"
		dynamotest.Load(t, st, p)
		if k, _ := st.LookupAPIKey(ctx, store.HashKey("dev-jane-key")); k != nil {
			t.Error("old key still works")
		}
		if k, _ := st.LookupAPIKey(ctx, store.HashKey("rotated-jane-key")); k == nil {
			t.Error("new key does not work")
		}
		// CLI-issued keys can be revoked.
		if err := st.IssueAPIKey(ctx, "cli-issued-key-1", store.RoleAffiliate, "bob", time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := st.RevokeAPIKey(ctx, store.HashKey("cli-issued-key-1"), time.Now()); err != nil {
			t.Fatal(err)
		}
		if k, _ := st.LookupAPIKey(ctx, store.HashKey("cli-issued-key-1")); k != nil {
			t.Error("revoked key still works")
		}
	})
}

func TestCacheServesFromMemoryUntilTheVersionChanges(t *testing.T) {
	ctx := context.Background()
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		st := dynamotest.NewStoreOn(t, on)
		c := program.NewCache(st, time.Hour)
		if _, err := c.Get(ctx); err == nil {
			t.Fatal("want an error before any program is loaded")
		}
		dynamotest.Load(t, st, demo.Program())
		c.Invalidate()
		p, err := c.Get(ctx)
		if err != nil || len(p.Affiliates) != 3 {
			t.Fatalf("get: %v", err)
		}
		p2, _ := c.Get(ctx)
		if p2 != p {
			t.Error("second Get within the TTL did not come from memory")
		}
	})
}

func TestProgramRoundTripKeepsEveryField(t *testing.T) {
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		st := dynamotest.NewStoreOn(t, on)
		want := demo.Program()
		got := dynamotest.Load(t, st, demo.Program())
		for _, w := range want.Products {
			g, ok := got.Product(w.SKU)
			if !ok || *g != w {
				t.Errorf("product %s: got %+v, want %+v", w.SKU, g, w)
			}
		}
		for _, w := range want.Plans {
			g, _ := got.Plan(w.ID)
			if g.SpeakerRateBP != w.SpeakerRateBP || len(g.RatesBP) != len(w.RatesBP) {
				t.Errorf("plan %s: got %+v, want %+v", w.ID, g, w)
			}
			for k, v := range w.RatesBP {
				if g.RatesBP[k] != v {
					t.Errorf("plan %s rate %s: %d, want %d", w.ID, k, g.RatesBP[k], v)
				}
			}
		}
		for _, w := range want.Events {
			if g, _ := got.Event(w.Slug); !reflect.DeepEqual(*g, w) {
				t.Errorf("event %s: %+v", w.Slug, g)
			}
		}
		if got.Currency != want.Currency || got.FallbackURL != want.FallbackURL || got.CookieDays != want.CookieDays ||
			got.Attribution != want.Attribution || got.MinPayoutCents() != want.MinPayoutCents() {
			t.Errorf("settings differ")
		}
	})
}
