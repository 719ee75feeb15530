package program_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/domain/program"
)

func demoProgram(t *testing.T) *program.Program {
	t.Helper()
	p, err := program.Parse(demo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func s(v string) *string         { return &v }
func list(v ...string) *[]string { return &v }

func TestAnAffiliateTheOwnerAddsIsChecked(t *testing.T) {
	p := demoProgram(t)
	ok := program.Changes{Name: s("Zoe Park"), Email: s("zoe@example.org"), Plan: s("standard"), Events: list("summit-2026")}
	for _, c := range []struct {
		name, code string
		edit       func(*program.Changes)
		field      string // the problem expected, "" for none
	}{
		{"a complete affiliate is accepted", "zoe", nil, ""},
		{"the code follows the file's rule", "Zoe!", nil, "code"},
		{"a code is required", "", nil, "code"},
		{"import is a path, not a code", "import", nil, "code"},
		{"name is required", "zoe", func(c *program.Changes) { c.Name = s("  ") }, "name"},
		{"email must be a plain address", "zoe", func(c *program.Changes) { c.Email = s("Zoe <zoe@example.org>") }, "email"},
		{"an owner's address is not an affiliate's", "zoe", func(c *program.Changes) { c.Email = s("accounts@example.com") }, "email"},
		{"plan must be the program's", "zoe", func(c *program.Changes) { c.Plan = s("gold") }, "plan"},
		{"plan is required", "zoe", func(c *program.Changes) { c.Plan = nil }, "plan"},
		{"events must be the program's", "zoe", func(c *program.Changes) { c.Events = list("summit-2026", "mars") }, "events"},
		{"an event is listed once", "zoe", func(c *program.Changes) { c.Events = list("summit-2026", "summit-2026") }, "events"},
		{"payout email must be an address", "zoe", func(c *program.Changes) { c.PayoutEmail = s("paypal") }, "payout_email"},
		{"notify is each, daily or none", "zoe", func(c *program.Changes) { c.Notify = s("hourly") }, "notify"},
		{"coupon codes follow SPEC 17's form", "zoe", func(c *program.Changes) { c.Coupons = list("Z!") }, "coupons"},
		{"a coupon code is listed once, whatever its case", "zoe", func(c *program.Changes) { c.Coupons = list("ZOE20", "zoe20") }, "coupons"},
		{"at most MaxCoupons codes", "zoe", func(c *program.Changes) {
			c.Coupons = list("AAA1", "AAA2", "AAA3", "AAA4", "AAA5", "AAA6", "AAA7", "AAA8", "AAA9", "AAA10", "AAA11")
		}, "coupons"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch := ok
			if c.edit != nil {
				c.edit(&ch)
			}
			a, ps := p.NewAffiliate(c.code, program.OriginDashboard, ch)
			if c.field == "" {
				if len(ps) != 0 {
					t.Fatalf("problems: %v", ps)
				}
				if a.Code != "zoe" || a.ManagedBy() != program.OriginDashboard || a.MadeIn() != program.OriginDashboard || !a.IsActive() {
					t.Errorf("affiliate: %+v", a)
				}
				return
			}
			if _, ok := ps[c.field]; !ok || len(ps) != 1 {
				t.Errorf("problems %v, want one on %s", ps, c.field)
			}
		})
	}
}

func TestAChangeKeepsWhatItDoesNotName(t *testing.T) {
	p := demoProgram(t)
	kim, _ := p.Affiliate("kim")
	a, ps := p.ApplyChanges(*kim, program.Changes{Name: s("Kim Lee-Park"), Active: new(false)})
	if len(ps) != 0 {
		t.Fatal(ps)
	}
	if a.Name != "Kim Lee-Park" || a.IsActive() || a.Email != kim.Email || a.Plan != kim.Plan || a.PayoutEmail() != kim.PayoutEmail() || len(a.Events) != len(kim.Events) {
		t.Errorf("changed: %+v from %+v", a, kim)
	}
	if program.SameRecord(a, *kim) {
		t.Error("a renamed, deactivated affiliate is the same record")
	}
	if b, _ := p.ApplyChanges(*kim, program.Changes{}); !program.SameRecord(b, *kim) {
		t.Error("no change is not the same record")
	}
	if b, _ := p.ApplyChanges(a, program.Changes{Active: new(true)}); b.IsActive() != true || b.Active != nil {
		t.Errorf("reactivated: %+v", b)
	}
	// A change may not empty what an affiliate must have.
	for field, c := range map[string]program.Changes{"name": {Name: s("")}, "email": {Email: s(" ")}, "plan": {Plan: s("")}} {
		if _, ps := p.ApplyChanges(*kim, c); ps[field] == "" {
			t.Errorf("%s emptied: %v", field, ps)
		}
	}
}

func TestACouponCodeIsOneAffiliatesWhateverItsCase(t *testing.T) {
	p := demoProgram(t)
	jane, _ := p.Affiliate("jane")
	jane.Coupons = []string{"JANE20"}
	p.Index()
	if owner, ok := p.CouponOwner("jane20"); !ok || owner != "jane" {
		t.Fatalf("owner of jane20: %q %v", owner, ok)
	}
	bob, _ := p.Affiliate("bob")
	if _, ps := p.ApplyChanges(*bob, program.Changes{Coupons: list("Jane20")}); ps["coupons"] == "" {
		t.Error("bob took jane's code")
	}
	if _, ps := p.ApplyChanges(*jane, program.Changes{Coupons: list("jane20", "JANE-VIP")}); len(ps) != 0 {
		t.Errorf("jane keeps her own code: %v", ps)
	}
}

func TestRemovingLeavesAFormerAffiliateTheFileCannotBringBack(t *testing.T) {
	p := demoProgram(t)
	jane, _ := p.Affiliate("jane")
	jane.Coupons = []string{"JANE20"}
	f := program.Retire(*jane)
	if f.IsActive() || len(f.Events) != 0 || len(f.Coupons) != 0 || f.ManagedBy() != program.OriginDashboard || f.MadeIn() != program.OriginFile {
		t.Errorf("retired: %+v", f)
	}
}

// table is the demo program as the table holds it after some dashboard
// work: zoe added there, kim (a file affiliate) edited there.
func table(t *testing.T) *program.Program {
	p := demoProgram(t)
	for i := range p.Affiliates {
		p.Affiliates[i].Origin, p.Affiliates[i].Made = program.OriginFile, program.OriginFile
		if p.Affiliates[i].Code == "kim" {
			p.Affiliates[i].Origin = program.OriginDashboard
		}
	}
	p.Affiliates = append(p.Affiliates, program.Affiliate{Code: "zoe", Name: "Zoe", Email: "zoe@example.org", Plan: "partner",
		Events: []string{"gut-2026"}, Coupons: []string{"ZOE10"}, Origin: program.OriginDashboard, Made: program.OriginDashboard})
	if err := p.Index(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadingAFileLeavesAffiliatesMadeElsewhere(t *testing.T) {
	file, tbl := demoProgram(t), table(t)
	ld, err := program.PlanLoad(file, tbl)
	if err != nil {
		t.Fatal(err)
	}
	var wrote []string
	for _, a := range ld.Write {
		wrote = append(wrote, a.Code)
	}
	if strings.Join(wrote, ",") != "jane,bob" {
		t.Errorf("wrote %v: kim is the dashboard's now, zoe was never the file's", wrote)
	}
	if len(ld.Warnings) != 1 || !strings.Contains(ld.Warnings[0], `"kim" was changed on the dashboard`) {
		t.Errorf("warnings: %v", ld.Warnings)
	}
	if len(ld.Former) != 0 {
		t.Errorf("former: %v", ld.Former)
	}
}

func TestAFileAffiliateTheFileNoLongerListsIsFormer(t *testing.T) {
	file, tbl := demoProgram(t), table(t)
	file.Affiliates = file.Affiliates[:1] // jane only; bob's speaker product must go too
	file.Products = file.Products[:2]
	file.Index()
	ld, err := program.PlanLoad(file, tbl)
	if err != nil {
		t.Fatal(err)
	}
	if len(ld.Former) != 1 || ld.Former[0].Code != "bob" || ld.Former[0].IsActive() || len(ld.Former[0].Events) != 0 {
		t.Errorf("former: %+v", ld.Former)
	}
}

func TestAFileIsRefusedWhenItWouldUndoTheDashboard(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(file *program.Program)
		want string
	}{
		{"it lists an affiliate added on the dashboard", func(f *program.Program) {
			f.Affiliates = append(f.Affiliates, program.Affiliate{Code: "zoe", Name: "Z", Email: "z@example.org", Plan: "standard"})
		}, `affiliates: 1 affiliate was added on the dashboard or by import, not in this file (zoe)`},
		{"it removes a plan an affiliate still uses", func(f *program.Program) {
			f.Plans = f.Plans[:1]
			f.Affiliates = f.Affiliates[:2] // kim was on partner too, but the dashboard manages her now
		}, `plans: plan "partner" is not in the file, but 2 affiliates are still on it`},
		{"it removes an event an affiliate is enrolled in", func(f *program.Program) {
			f.Events = f.Events[:2]
			f.Products = f.Products[:5]
		}, `events: event "gut-2026" is not in the file, but 2 affiliates are still enrolled in it`},
		{"a speaker is nobody", func(f *program.Program) { f.Products[1].Speaker = "nobody" }, `products[1].speaker: unknown affiliate "nobody"`},
		{"it gives another affiliate's coupon code", func(f *program.Program) { f.Affiliates[0].Coupons = []string{"zoe10"} }, `affiliates[0].coupons[0]: "zoe10" is affiliate "zoe"'s code`},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := demoProgram(t)
			c.edit(file)
			file.Index()
			_, err := program.PlanLoad(file, table(t))
			var inv *program.Invalid
			if !errors.As(err, &inv) || !strings.Contains(strings.Join(inv.Problems, "\n"), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
}

func TestASpeakerMayBeAnAffiliateOfTheDashboard(t *testing.T) {
	file := demoProgram(t)
	file.Products[1].Speaker = "zoe"
	file.Index()
	if _, err := program.PlanLoad(file, table(t)); err != nil {
		t.Error(err)
	}
}
