package program_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tallyhq/tally/shared/domain/program"
)

// byKey counts the reads a Known makes.
type byKey struct {
	p     *program.Program
	reads int
}

func (s *byKey) CurrentAffiliate(_ context.Context, code string) (*program.Affiliate, []program.Link, error) {
	s.reads++
	a, _ := s.p.Affiliate(code)
	return a, nil, nil
}

func (s *byKey) ShortLink(_ context.Context, code string) (program.Link, bool, error) {
	s.reads++
	l, ok := s.p.LinkByCode(code)
	if !ok {
		return program.Link{}, false, nil
	}
	return *l, true, nil
}

func (s *byKey) Payee(_ context.Context, code string) (*program.Affiliate, bool, error) {
	s.reads++
	a, former, _ := s.p.Payee(code)
	return a, former, nil
}

func (s *byKey) CouponHolder(_ context.Context, code string) (*program.Affiliate, bool, error) {
	s.reads++
	owner, ok := s.p.CouponOwner(code)
	if !ok {
		return nil, false, nil
	}
	a, former, _ := s.p.Payee(owner)
	return a, former, nil
}

func TestAnAffiliateIsReadByKeyOncePerCachePeriod(t *testing.T) {
	ctx := context.Background()
	src := &byKey{p: demoProgram(t)}
	k := program.NewKnown(src, 1<<62)
	for range 3 {
		if a, _, err := k.Affiliate(ctx, "jane"); err != nil || a == nil || a.Code != "jane" {
			t.Fatalf("jane: %+v %v", a, err)
		}
		if a, _, _ := k.Affiliate(ctx, "nobody"); a != nil {
			t.Fatalf("nobody: %+v", a)
		}
	}
	if src.reads != 2 {
		t.Errorf("%d reads for two codes asked three times each, want 2", src.reads)
	}
	k.Invalidate()
	k.Affiliate(ctx, "jane")
	if src.reads != 3 {
		t.Errorf("after Invalidate: %d reads", src.reads)
	}
	expired := program.NewKnown(src, 0)
	expired.Affiliate(ctx, "jane")
	expired.Affiliate(ctx, "jane")
	if src.reads != 5 {
		t.Errorf("past the cache period an affiliate is read again: %d reads", src.reads)
	}
}

func TestAViewHoldsTheRulesAndOnlyTheAffiliatesItWasGiven(t *testing.T) {
	p := demoProgram(t)
	jane, _ := p.Affiliate("jane")
	v := p.With([]program.Affiliate{*jane}, nil)
	if _, ok := v.Affiliate("jane"); !ok || !v.Enrolled("jane", "summit-2026") {
		t.Error("the view lacks jane")
	}
	if _, ok := v.Affiliate("bob"); ok {
		t.Error("the view holds bob, who was not asked for")
	}
	if _, ok := v.Plan("standard"); !ok || v.Location() != p.Location() || len(v.Events) != len(p.Events) {
		t.Error("the view lacks the rules")
	}
	if _, ok := p.Affiliate("bob"); !ok {
		t.Error("making a view changed the program")
	}
}

// A made-up short code is read once per cache period, not once per click:
// a flood of them costs a warm function one read each.
func TestAMadeUpShortCodeIsReadOncePerCachePeriod(t *testing.T) {
	ctx := context.Background()
	src := &byKey{p: demoProgram(t)}
	k := program.NewKnown(src, 1<<62)
	for range 3 {
		if _, ok, err := k.ShortLink(ctx, "zzzzzzzz"); ok || err != nil {
			t.Fatalf("a made-up code found: %v %v", ok, err)
		}
	}
	if src.reads != 1 {
		t.Errorf("%d reads for one made-up code asked three times, want 1", src.reads)
	}
	k.Invalidate()
	k.ShortLink(ctx, "zzzzzzzz")
	if src.reads != 2 {
		t.Errorf("after Invalidate: %d reads, want 2", src.reads)
	}
	expired := program.NewKnown(src, 0)
	expired.ShortLink(ctx, "zzzzzzzz")
	expired.ShortLink(ctx, "zzzzzzzz")
	if src.reads != 4 {
		t.Errorf("past the cache period a made-up code is read again: %d reads, want 4", src.reads)
	}
}

// A coupon code's holder is read once per cache period, whatever the
// code's case, found or not: a warm webhook function reads an order's
// code once.
func TestACouponCodesHolderIsReadOncePerCachePeriod(t *testing.T) {
	ctx := context.Background()
	p := demoProgram(t)
	jane, _ := p.Affiliate("jane")
	jane.Coupons = []string{"JANE20"}
	if err := p.Index(); err != nil {
		t.Fatal(err)
	}
	src := &byKey{p: p}
	k := program.NewKnown(src, 1<<62)
	for _, code := range []string{"JANE20", "jane20", "Jane20"} {
		if a, former, err := k.CouponHolder(ctx, code); err != nil || a == nil || a.Code != "jane" || former {
			t.Fatalf("%s: %+v %v %v", code, a, former, err)
		}
		if a, _, _ := k.CouponHolder(ctx, "NOPE1"); a != nil {
			t.Fatalf("NOPE1: %+v", a)
		}
	}
	if src.reads != 2 {
		t.Errorf("%d reads for two codes asked three times each, want 2", src.reads)
	}
	k.Invalidate()
	k.CouponHolder(ctx, "JANE20")
	if src.reads != 3 {
		t.Errorf("after Invalidate: %d reads, want 3", src.reads)
	}
}

// A roster's payees are read by key once each, current or former, and
// behave as in the whole program: a former one is a payee, not an
// affiliate; a code gathered as current is not read again.
func TestARostersPayeesAreReadByKeyCurrentOrFormer(t *testing.T) {
	ctx := context.Background()
	whole := demoProgram(t)
	bob, _ := whole.Affiliate("bob")
	whole.Former = []program.Affiliate{*bob}
	whole.Affiliates = slices.DeleteFunc(whole.Affiliates, func(a program.Affiliate) bool { return a.Code == "bob" })
	whole = whole.WithAffiliates(whole.Affiliates, whole.Former)
	src := &byKey{p: whole}
	r := program.NewRoster(whole.With(nil, nil), program.NewKnown(src, 1<<62))
	if err := r.Add(ctx, "jane"); err != nil {
		t.Fatal(err)
	}
	if err := r.AddPayees(ctx, "bob", "jane", "nobody", "bob"); err != nil {
		t.Fatal(err)
	}
	p := r.Program()
	if a, former, ok := p.Payee("bob"); !ok || !former || a.Code != "bob" {
		t.Errorf("bob: %+v former=%v found=%v", a, former, ok)
	}
	if _, ok := p.Affiliate("bob"); ok {
		t.Error("a former affiliate is an affiliate of the view")
	}
	if a, former, ok := p.Payee("jane"); !ok || former || a.Code != "jane" {
		t.Errorf("jane: %+v former=%v found=%v", a, former, ok)
	}
	if len(p.Affiliates) != 1 {
		t.Errorf("affiliates %+v, want jane once", p.Affiliates)
	}
	if src.reads != 3 { // jane, bob, nobody
		t.Errorf("%d reads, want 3", src.reads)
	}
}
