package program_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tallyhq/tally/shared/domain/program"
)

const header = "code,name,email,plan,events,payout_email,coupons\n"

func TestAnImportIsCheckedWholeAndEveryProblemNamedByLine(t *testing.T) {
	p := table(t) // zoe (dashboard), kim (a file affiliate the dashboard took over), jane and bob (the file's)
	for _, c := range []struct {
		name, csv string
		want      []string // "line N: ..." each
	}{
		{"an unknown plan", header + "amy,Amy,amy@example.org,gold,summit-2026,,\n", []string{`line 2: plan: unknown plan "gold"`}},
		{"every bad line, not only the first",
			header + "amy,Amy,amy@example.org,standard,summit-2026,,\nBad!,B,b@example.org,standard,,,\ncat,Cat,not-an-email,standard,mars,,\n",
			[]string{`line 3: code: must be 2 to 32`, `line 4: email: must be a plain email address`, `line 4: events: unknown event "mars"`}},
		{"a code twice", header + "amy,Amy,amy@example.org,standard,,,\namy,Amy 2,amy2@example.org,standard,,,\n", []string{`line 3: code "amy" is also on line 2`}},
		{"a coupon twice across rows", header + "amy,Amy,amy@example.org,standard,,,AMY1\ncat,Cat,cat@example.org,standard,,,amy1\n", []string{`line 3: coupons: "amy1" is also "amy"'s, on line 2`}},
		{"a coupon another affiliate holds", header + "amy,Amy,amy@example.org,standard,,,Zoe10\n", []string{`line 2: coupons: "Zoe10" is affiliate "zoe"'s code`}},
		{"an affiliate of the program file", header + "jane,Jane,jane@example.com,standard,summit-2026,,\n", []string{`line 2: "jane" is in the program file: change it there`}},
		{"a missing column", "code,name,email,plan\namy,Amy,amy@example.org,standard\n", []string{`line 1: column "events" is missing`}},
		{"an unknown column", "code,name,email,plan,events,tier\n", []string{`line 1: unknown column "tier"`}},
		{"a row of another length", header + "amy,Amy,amy@example.org\n", []string{`line 2: 3 fields, but the header has 7`}},
		{"broken quoting", header + "amy,\"Amy,amy@example.org,standard,,,\n", []string{`line 2: not valid CSV`}},
		{"an empty file", "", []string{`line 1: the file is empty`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := program.PlanImport(p, []byte(c.csv))
			var inv *program.InvalidImport
			if !errors.As(err, &inv) {
				t.Fatalf("accepted: %v", err)
			}
			var got []string
			for _, l := range inv.Lines {
				got = append(got, fmt.Sprintf("line %d: %s", l.Line, l.Message))
			}
			all := strings.Join(got, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("missing %q in:\n%s", w, all)
				}
			}
			if len(got) != len(c.want) {
				t.Errorf("%d problems, want %d:\n%s", len(got), len(c.want), all)
			}
		})
	}
}

func TestAnImportTellsNewFromUpdatedFromUnchanged(t *testing.T) {
	p := table(t)
	csv := header +
		"amy,Amy Wu,amy@example.org,standard,summit-2026;gut-2026,,AMY10\n" + // new
		"zoe,Zoe,zoe@example.org,partner,gut-2026,,ZOE10\n" + // as she is
		"kim,Kim Lee,kim.new@example.com,partner,gut-2026,kim.payouts@example.com,\n" // the dashboard's now: updated
	im, err := program.PlanImport(p, []byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	if len(im.New) != 1 || im.New[0].Affiliate.Code != "amy" || im.New[0].Line != 2 || im.New[0].Affiliate.ManagedBy() != program.OriginImport ||
		strings.Join(im.New[0].Affiliate.Events, ";") != "summit-2026;gut-2026" {
		t.Errorf("new: %+v", im.New)
	}
	if im.Unchanged != 1 {
		t.Errorf("unchanged: %d", im.Unchanged)
	}
	if len(im.Updated) != 1 || im.Updated[0].Affiliate.Email != "kim.new@example.com" || im.Updated[0].Prev.Email != "kim@example.com" ||
		im.Updated[0].Affiliate.ManagedBy() != program.OriginDashboard {
		t.Errorf("updated: %+v", im.Updated)
	}
	// Without the optional columns, a row leaves payout email and coupons alone.
	im, err = program.PlanImport(p, []byte("code,name,email,plan,events\nzoe,Zoe,zoe@example.org,partner,gut-2026\n"))
	if err != nil || im.Unchanged != 1 {
		t.Errorf("zoe without the optional columns: %+v %v", im, err)
	}
}

func TestAnImportHasAtMostMaxImportRows(t *testing.T) {
	var b strings.Builder
	b.WriteString(header)
	for i := 0; i <= program.MaxImportRows; i++ {
		fmt.Fprintf(&b, "a%d,A %d,a%d@example.org,standard,summit-2026,,\n", i, i, i)
	}
	_, err := program.PlanImport(table(t), []byte(b.String()))
	var inv *program.InvalidImport
	if !errors.As(err, &inv) || len(inv.Lines) != 1 || inv.Lines[0].Line != program.MaxImportRows+2 {
		t.Errorf("%d rows: %v", program.MaxImportRows+1, err)
	}
}

// A background job plans its file again against the table as it is now:
// the rows that still fit are planned, each one that no longer does is a
// problem of its own line, and a part of the file from a line on comes in
// the file's order (rows to write, unchanged ones, refused ones).
func TestAJobsPartOfTheFileComesInTheFilesOrder(t *testing.T) {
	p := table(t) // zoe (dashboard) holds the coupon ZOE10
	csv := header +
		"amy,Amy,amy@example.org,standard,summit-2026,,\n" + // line 2: new
		"zoe,Zoe,zoe@example.org,partner,gut-2026,,ZOE10\n" + // line 3: zoe as she is
		"cat,Cat,cat@example.org,standard,summit-2026,,zoe10\n" + // line 4: zoe's coupon
		"zoe2,Zoe Two,zoe2@example.org,gold,summit-2026,,\n" + // line 5: an unknown plan
		"dan,Dan,dan@example.org,standard,summit-2026,,\n" // line 6: new
	im, probs := program.PlanImportRows(p, []byte(csv))
	if len(im.New) != 2 || im.Unchanged != 1 || len(probs) != 3 { // line 4 has two, one step
		t.Fatalf("planned %d new, %d unchanged; problems %v", len(im.New), im.Unchanged, probs)
	}
	for _, c := range []struct {
		from int
		want string // each step: line, and w(rite), u(nchanged) or p(roblem)
	}{
		{2, "2w 3u 4p 5p 6w"},
		{4, "4p 5p 6w"},
		{6, "6w"},
		{7, ""},
	} {
		var got []string
		for _, s := range im.Steps(probs, c.from) {
			kind := "u"
			if s.Row != nil {
				kind = "w"
			} else if s.Problem != "" {
				kind = "p"
			}
			got = append(got, fmt.Sprintf("%d%s", s.Line, kind))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("from line %d: %q, want %q", c.from, strings.Join(got, " "), c.want)
		}
	}
	// The same file checked whole is refused, naming both lines.
	if _, err := program.PlanImport(p, []byte(csv)); err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "line 5") {
		t.Errorf("checked whole: %v", err)
	}
}

// An import names each code and coupon code once, whatever the case of a
// coupon code, the columns' order or a spreadsheet's byte-order mark; a
// malformed row is skipped (the plan names it).
func TestAnImportNamesItsCodesAndCouponCodes(t *testing.T) {
	for _, c := range []struct {
		name, file     string
		codes, coupons []string
	}{
		{"none", "", nil, nil},
		{"no coupons column", "code,name,email,plan,events\nann,Ann,a@x.org,standard,e\nbob,Bob,b@x.org,standard,e\n", []string{"ann", "bob"}, nil},
		{"coupons, reordered, bom", "\xef\xbb\xbfcoupons,Code,name,email,plan,events\nANN10;ann10;Ann-Summer,ann,Ann,a@x.org,standard,e\n,bob,Bob,b@x.org,standard,e\nBOB5,ann,again,a@x.org,standard,e\n",
			[]string{"ann", "bob"}, []string{"ANN10", "Ann-Summer", "BOB5"}},
		{"a bad quote", "code,name,email,plan,events\n\"ann,Ann\nbob,Bob,b@x.org,standard,e\n", nil, nil},
		{"not a coupon code", "code,coupons,name,email,plan,events\nann,no spaces!,Ann,a@x.org,standard,e\n", []string{"ann"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			codes, coupons := program.ImportNames([]byte(c.file))
			if !slices.Equal(codes, c.codes) || !slices.Equal(coupons, c.coupons) {
				t.Errorf("codes %q coupons %q, want %q %q", codes, coupons, c.codes, c.coupons)
			}
		})
	}
}
