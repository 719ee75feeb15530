package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/program"
)

func zoe() program.Affiliate {
	return program.Affiliate{Code: "zoe", Name: "Zoe Park", Email: "zoe@example.org", Plan: "standard",
		Events: []string{"summit-2026"}, Coupons: []string{"ZOE20"}, Origin: program.OriginDashboard, Made: program.OriginDashboard}
}

func TestAnAffiliateAddedOnTheDashboardIsARecord(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		st := dynamotest.NewStoreOn(t, on)
		dynamotest.Load(t, st, demo.Program())
		v0, _ := st.ProgramVersion(ctx)
		// Another function's cache, warm, past its period.
		cache := program.NewCache(st, time.Nanosecond)
		if _, err := cache.Get(ctx); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: zoe()}, now); err != nil {
			t.Fatal(err)
		}
		if cached, err := cache.Get(ctx); err != nil || !cached.Enrolled("zoe", "summit-2026") {
			t.Errorf("another function's cache does not see zoe after its period: %v", err)
		}
		if v1, _ := st.ProgramVersion(ctx); v1 == v0 || v1 == "" {
			t.Errorf("version %q after an add, was %q: caches would never see zoe", v1, v0)
		}
		p, _, err := st.LoadProgram(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a, ok := p.Affiliate("zoe")
		if !ok || a.ManagedBy() != program.OriginDashboard || a.Rev != 1 || a.Coupons[0] != "ZOE20" {
			t.Fatalf("zoe as loaded: %+v", a)
		}
		if l, ok := p.LinkFor("summit-2026", "zoe"); !ok || len(l.Code) != 8 {
			t.Errorf("zoe's link: %+v", l)
		}
		if owner, ok := p.CouponOwner("zoe20"); !ok || owner != "zoe" {
			t.Errorf("coupon owner: %q", owner)
		}

		// The same code again, even for someone else: taken.
		other := zoe()
		other.Name, other.Coupons = "Another Zoe", nil
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: other}, now); !errors.Is(err, store.ErrCodeTaken) {
			t.Errorf("same code twice: %v", err)
		}
		// A file affiliate's code is taken too.
		jane := program.Affiliate{Code: "jane", Name: "J", Email: "j@example.org", Plan: "standard"}
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: jane}, now); !errors.Is(err, store.ErrCodeTaken) {
			t.Errorf("jane's code: %v", err)
		}
		// zoe's coupon code, in another case, for someone new: refused, and nothing of them written.
		amy := program.Affiliate{Code: "amy", Name: "Amy", Email: "amy@example.org", Plan: "standard", Coupons: []string{"zoe20"}}
		var ct *store.CouponTaken
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: amy}, now); !errors.As(err, &ct) || ct.Code != "zoe20" {
			t.Errorf("coupon taken: %v", err)
		}
		if a, _, _ := st.GetAffiliate(ctx, "amy"); a != nil {
			t.Errorf("amy written although refused: %+v", a)
		}

		// An edit from a stale read is refused; from the current one it lands.
		cur, _, err := st.GetAffiliate(ctx, "zoe")
		if err != nil || cur == nil {
			t.Fatal(cur, err)
		}
		stale := *cur
		stale.Rev = 0
		ed := *cur
		ed.Name, ed.Coupons = "Zoe P.", []string{"ZOE30"}
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: ed, Prev: &stale}, now); !errors.Is(err, store.ErrAffiliateChanged) {
			t.Errorf("stale edit: %v", err)
		}
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: ed, Prev: cur}, now); err != nil {
			t.Fatal(err)
		}
		// Her old code is free again; her new one is hers.
		amy.Coupons = []string{"ZOE20"}
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: amy}, now); err != nil {
			t.Errorf("a code zoe gave up: %v", err)
		}

		// Removed: former, and the code stays taken.
		cur, _, _ = st.GetAffiliate(ctx, "zoe")
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: program.Retire(*cur), Prev: cur, Former: true}, now); err != nil {
			t.Fatal(err)
		}
		if _, former, _ := st.GetAffiliate(ctx, "zoe"); !former {
			t.Error("zoe is not former")
		}
		p, _, _ = st.LoadProgram(ctx)
		if _, ok := p.Affiliate("zoe"); ok {
			t.Error("a removed affiliate is still current")
		}
		if _, former, ok := p.Payee("zoe"); !ok || !former {
			t.Error("a removed affiliate is not kept as former")
		}
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: zoe()}, now); !errors.Is(err, store.ErrCodeTaken) {
			t.Errorf("a removed code reused: %v", err)
		}
	})
}

func TestLoadProgramNeverTouchesDashboardAffiliates(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		st := dynamotest.NewStoreOn(t, on)
		dynamotest.Load(t, st, demo.Program())
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: zoe()}, now); err != nil {
			t.Fatal(err)
		}
		kim, _, _ := st.GetAffiliate(ctx, "kim")
		ed := *kim
		ed.Name, ed.Origin, ed.Made = "Kim Lee (edited)", program.OriginDashboard, program.OriginFile
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: ed, Prev: kim}, now); err != nil {
			t.Fatal(err)
		}
		// The same file again, then one without bob.
		res, err := st.Load(ctx, demo.Program(), now)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "kim") {
			t.Errorf("warnings: %v", res.Warnings)
		}
		p, _, _ := st.LoadProgram(ctx)
		if z, ok := p.Affiliate("zoe"); !ok || z.Name != "Zoe Park" || !z.IsActive() {
			t.Errorf("zoe after load-program: %+v %v", z, ok)
		}
		if k, _ := p.Affiliate("kim"); k == nil || k.Name != "Kim Lee (edited)" {
			t.Errorf("kim after load-program: %+v", k)
		}
		if _, ok := p.LinkFor("summit-2026", "zoe"); !ok {
			t.Error("zoe's link lost")
		}
		noBob := demo.Program()
		noBob.Affiliates = noBob.Affiliates[:1]
		noBob.Products = append(noBob.Products[:2], noBob.Products[3:]...) // bob's book goes with him
		noBob.Index()
		if _, err := st.Load(ctx, noBob, now); err != nil {
			t.Fatal(err)
		}
		p, _, _ = st.LoadProgram(ctx)
		if _, former, ok := p.Payee("bob"); !ok || !former {
			t.Error("bob, a file affiliate the file dropped, is not former")
		}
		if _, ok := p.Affiliate("zoe"); !ok {
			t.Error("zoe gone")
		}
		// A file naming zoe is refused, and writes nothing.
		withZoe := demo.Program()
		withZoe.Affiliates = append(withZoe.Affiliates, zoe())
		withZoe.Index()
		v0, _ := st.ProgramVersion(ctx)
		if _, err := st.Load(ctx, withZoe, now); err == nil || !strings.Contains(err.Error(), "1 affiliate was added on the dashboard") {
			t.Errorf("a file listing zoe: %v", err)
		}
		if v1, _ := st.ProgramVersion(ctx); v1 != v0 {
			t.Error("a refused file changed the program")
		}
	})
}

// SPEC 15: a click function's cold start reads the rules only, the same
// bytes whatever the number of affiliates; an affiliate is then read by
// key (one GetItem; its links, when asked for, one BatchGetItem).
func TestAColdStartReadsTheRulesOnly(t *testing.T) {
	ctx := context.Background()
	var m dynamometer.Meter
	db := dynamodb.New(dynamotest.Client(t).Options(), m.Option())
	st := store.New(db, dynamotest.NewTable(t, db))
	dynamotest.Load(t, st, demo.Program())
	cold := func() (rules, all dynamometer.Counts, p *program.Program) {
		before := m.Snapshot()
		p, _, err := st.LoadRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rules = m.Since(before)
		before = m.Snapshot()
		if _, _, err := st.LoadProgram(ctx); err != nil {
			t.Fatal(err)
		}
		return rules, m.Since(before), p
	}
	small, smallAll, p := cold()
	if len(p.Affiliates) != 0 || len(p.Links) != 0 || len(p.Events) != 3 || len(p.Plans) != 2 || len(p.Products) != 7 || len(p.Owners) != 1 || p.HoldDays() != 14 {
		t.Fatalf("rules: %d affiliates, %d links, %d events, %d plans, %d products, %d owners", len(p.Affiliates), len(p.Links), len(p.Events), len(p.Plans), len(p.Products), len(p.Owners))
	}
	var b strings.Builder
	b.WriteString("code,name,email,plan,events\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "aff-%04d,Affiliate %d,aff%d@example.org,standard,summit-2026;gut-2026\n", i, i, i)
	}
	if _, err := st.ImportCSV(ctx, []byte(b.String()), time.Now()); err != nil {
		t.Fatal(err)
	}
	large, largeAll, _ := cold()
	t.Logf("cold start, rules only: %v, %.1f read units with 3 affiliates; %v, %.1f with 1,003 (the whole program: %.1f and %.1f)",
		small, small.ReadUnits, large, large.ReadUnits, smallAll.ReadUnits, largeAll.ReadUnits)
	if large.ReadUnits != small.ReadUnits || large.Total() != small.Total() {
		t.Errorf("the rules read %v with 1,003 affiliates, %v with 3", large, small)
	}
	if largeAll.ReadUnits < 10*smallAll.ReadUnits {
		t.Errorf("the whole program: %.1f read units with 1,003 affiliates, %.1f with 3: the test no longer shows the difference", largeAll.ReadUnits, smallAll.ReadUnits)
	}
	before := m.Snapshot()
	a, links, err := st.CurrentAffiliate(ctx, "aff-0500")
	if err != nil || a == nil || len(links) != 2 || m.Since(before).Total() != 2 {
		t.Errorf("aff-0500 by key: %+v, %d links, %v, %v", a, len(links), err, m.Since(before))
	}
	if l, ok, err := st.ShortLink(ctx, links[0].Code); err != nil || !ok || l.Affiliate != "aff-0500" {
		t.Errorf("short link: %+v %v %v", l, ok, err)
	}
}

// A recruiter's recruits are read by their markers, whichever way the
// recruit was written (the dashboard, the file), and follow a change of
// recruiter; a removed recruit is still listed (its overrides stay).
func TestRecruitsAreReadByTheirRecruitersMarkers(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		st := dynamotest.NewStoreOn(t, on)
		p := demo.Program()
		bob, _ := p.Affiliate("bob")
		bob.RecruitedBy = "jane"
		dynamotest.Load(t, st, p)
		codes := func(recruiter string) string {
			t.Helper()
			rs, err := st.Recruits(ctx, recruiter)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, a := range rs {
				out = append(out, a.Code)
			}
			return strings.Join(out, ",")
		}
		if got := codes("jane"); got != "bob" {
			t.Fatalf("jane's recruits from the file: %q, want bob", got)
		}
		z := zoe()
		z.RecruitedBy = "jane"
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: z}, now); err != nil {
			t.Fatal(err)
		}
		if got := codes("jane"); got != "bob,zoe" {
			t.Fatalf("jane's recruits after zoe joined: %q", got)
		}
		prev, _, err := st.GetAffiliate(ctx, "zoe")
		if err != nil {
			t.Fatal(err)
		}
		moved := *prev
		moved.RecruitedBy = "kim"
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: moved, Prev: prev}, now); err != nil {
			t.Fatal(err)
		}
		if j, k := codes("jane"), codes("kim"); j != "bob" || k != "zoe" {
			t.Fatalf("after zoe's recruiter became kim: jane's %q, kim's %q", j, k)
		}
		prev, _, _ = st.GetAffiliate(ctx, "zoe")
		gone := *prev
		gone.Active, gone.Events, gone.Coupons = new(false), nil, nil
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: gone, Prev: prev, Former: true}, now); err != nil {
			t.Fatal(err)
		}
		if got := codes("kim"); got != "zoe" {
			t.Errorf("kim's recruits after zoe was removed: %q, want zoe still", got)
		}
		if got := codes("nobody"); got != "" {
			t.Errorf("nobody's recruits: %q", got)
		}
	})
}

// Sign-in and signup find an address's affiliates by its markers: after a
// change of address the old one finds nobody, and a removed affiliate
// still holds its address (it is listed as former).
func TestAnAddressFindsItsAffiliates(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		st := dynamotest.NewStoreOn(t, on)
		dynamotest.Load(t, st, demo.Program())
		who := func(email string) string {
			t.Helper()
			ls, err := st.AffiliatesByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, l := range ls {
				s := l.Code
				if l.Former {
					s += " (former)"
				}
				out = append(out, s)
			}
			return strings.Join(out, ",")
		}
		if got := who(" Jane@Example.com "); got != "jane" {
			t.Fatalf("jane's address, from the file: %q", got)
		}
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: zoe()}, now); err != nil {
			t.Fatal(err)
		}
		prev, _, _ := st.GetAffiliate(ctx, "zoe")
		moved := *prev
		moved.Email = "zoe.park@example.org"
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: moved, Prev: prev}, now); err != nil {
			t.Fatal(err)
		}
		if old, cur := who("zoe@example.org"), who("ZOE.PARK@example.org"); old != "" || cur != "zoe" {
			t.Fatalf("after zoe's change of address: the old finds %q, the new %q", old, cur)
		}
		prev, _, _ = st.GetAffiliate(ctx, "zoe")
		gone := *prev
		gone.Active, gone.Events, gone.Coupons = new(false), nil, nil
		if err := st.SaveAffiliate(ctx, store.AffiliateWrite{Affiliate: gone, Prev: prev, Former: true}, now); err != nil {
			t.Fatal(err)
		}
		if got := who("zoe.park@example.org"); got != "zoe (former)" {
			t.Errorf("a removed affiliate's address: %q, want zoe (former)", got)
		}
	})
}

// Every affiliate, current and former, comes through the pages once, in
// the order of their codes, with no page over the limit.
func TestAffiliatePagesGoThroughEveryAffiliateByCode(t *testing.T) {
	ctx := context.Background()
	dynamotest.EachStore(t, func(t *testing.T, on dynamotest.Store) {
		st := dynamotest.NewStoreOn(t, on)
		p := demo.Program()
		dynamotest.Load(t, st, p)
		dynamotest.ImportCrowd(t, st, 0, 250)
		rest := p.Affiliates[1:] // the file no longer lists the first: former
		p.Affiliates = rest
		dynamotest.Load(t, st, p)
		var got []string
		former := map[string]bool{}
		pages := 0
		err := st.EachAffiliatePage(ctx, 100, func(page []store.Listed) error {
			pages++
			if len(page) > 100 {
				t.Errorf("a page of %d", len(page))
			}
			for _, l := range page {
				got = append(got, l.Code)
				former[l.Code] = l.Former
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 253 || pages != 3 {
			t.Fatalf("%d affiliates in %d pages, want 253 in 3", len(got), pages)
		}
		for i := 1; i < len(got); i++ {
			if got[i-1] >= got[i] {
				t.Errorf("not each once in code order: %q before %q", got[i-1], got[i])
			}
		}
		first := demo.Program().Affiliates[0].Code
		if !former[first] || former[rest[0].Code] || former["crowd-0100"] {
			t.Errorf("former: %v", former)
		}
		if _, _, err := st.AffiliatePage(ctx, "%%%", 100); err == nil {
			t.Error("a cursor that is no code's was taken")
		}
	})
}
