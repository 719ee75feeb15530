package program_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tallyhq/tally/shared/domain/program"
)

const signupBase = `
currency: USD
fallback_url: https://example.com/
plans: [{id: standard, rates_bp: {recording: 5000}}, {id: partner, override_bp: 1000}]
events:
  - {slug: a, name: A, url: "https://example.com/a"}
  - {slug: b, name: B, url: "https://example.com/b"}
`

func TestSignupSettingsAreChecked(t *testing.T) {
	for _, c := range []struct {
		name, extra, want string
	}{
		{"signup defaults to closed and needs no plan", "", ""},
		{"an open signup needs a plan", "signup: open\n", "signup_plan: is required when signup is open"},
		{"an approval signup needs a plan", "signup: approval\n", "signup_plan: is required when signup is approval"},
		{"the plan must exist", "signup: open\nsignup_plan: gold\n", `signup_plan: unknown plan "gold"`},
		{"an unknown mode is refused", "signup: maybe\nsignup_plan: standard\n", `signup: must be closed, approval or open, got "maybe"`},
		{"terms must be a URL", "signup: open\nsignup_plan: standard\nterms_url: terms\n", `terms_url: must be an absolute http(s) URL`},
		{"an override is a rate", "", ""},
	} {
		_, err := program.Parse([]byte(signupBase + c.extra))
		var inv *program.Invalid
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (!errors.As(err, &inv) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want a problem %q", c.name, err, c.want)
		}
	}
}

func TestAnEventsSignupOverridesTheProgramsAndItsPlanMayBeInherited(t *testing.T) {
	src := strings.Replace(signupBase, `- {slug: b, name: B, url: "https://example.com/b"}`,
		`- {slug: b, name: B, url: "https://example.com/b", signup: approval, signup_plan: partner}`, 1)
	p, err := program.Parse([]byte(src + "signup: open\nsignup_plan: standard\n"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := p.Event("a")
	b, _ := p.Event("b")
	if r := p.SignupFor(a); r.Mode != "open" || r.Plan != "standard" {
		t.Errorf("event a: %+v, want the program's open/standard", r)
	}
	if r := p.SignupFor(b); r.Mode != "approval" || r.Plan != "partner" {
		t.Errorf("event b: %+v, want its own approval/partner", r)
	}
	if r := p.JoinRule(""); r.Mode != "approval" {
		t.Errorf("/join over an open and an approval event: %s, want approval (nobody skips an approval)", r.Mode)
	}
	if got := p.JoinEvents(); len(got) != 2 {
		t.Errorf("JoinEvents %v, want both", got)
	}
	// An event may open signup on a closed program, with the program's plan.
	src = strings.Replace(signupBase, `- {slug: a, name: A, url: "https://example.com/a"}`,
		`- {slug: a, name: A, url: "https://example.com/a", signup: open}`, 1)
	p, err = program.Parse([]byte(src + "signup_plan: standard\n"))
	if err != nil {
		t.Fatal(err)
	}
	if evs := p.JoinEvents(); len(evs) != 1 || evs[0] != "a" {
		t.Errorf("JoinEvents %v, want [a]", evs)
	}
	if r := p.JoinRule(""); r.Mode != "open" || r.Plan != "standard" {
		t.Errorf("/join: %+v", r)
	}
	if r := p.JoinRule("b"); r.Open() {
		t.Errorf("/join/b on a closed event: %+v", r)
	}
}

func TestAnEventCannotBeNamedLikeAJoinPath(t *testing.T) {
	_, err := program.Parse([]byte(strings.Replace(signupBase, "slug: b,", "slug: confirm,", 1)))
	if err == nil || !strings.Contains(err.Error(), `"confirm" is reserved`) {
		t.Errorf("event slug confirm: %v", err)
	}
}

func TestCodeFromName(t *testing.T) {
	for _, c := range []struct {
		name string
		n    int
		want string
	}{
		{"Jane Doe", 1, "jane-doe"},
		{"Zoë O'Brien", 1, "zoe-o-brien"},
		{"  Dr. José   Núñez ", 1, "dr-jose-nunez"},
		{"Jane Doe", 3, "jane-doe-3"},
		{"李", 1, "affiliate"},
		{"李", 2, "affiliate-2"},
		{strings.Repeat("abcdefghij ", 5), 1, "abcdefghij-abcdefghij-abcdefghij"},
		{strings.Repeat("abcdefghij ", 5), 12, "abcdefghij-abcdefghij-abcdefg-12"},
		{"Import", 1, "import-1"},
	} {
		got := program.CodeFromName(c.name, c.n)
		if got != c.want || !program.ValidCode(got) {
			t.Errorf("CodeFromName(%q, %d) = %q, want %q (a valid code)", c.name, c.n, got, c.want)
		}
	}
}

func TestRecruitedByMustNameAnotherAffiliate(t *testing.T) {
	aff := "affiliates:\n  - {code: jane, name: Jane, email: jane@example.com, plan: standard, recruited_by: %s}\n  - {code: bob, name: Bob, email: bob@example.com, plan: standard}\n"
	for who, want := range map[string]string{"bob": "", "jane": "cannot recruit themselves", "nobody": `unknown affiliate "nobody"`} {
		_, err := program.Parse([]byte(signupBase + strings.Replace(aff, "%s", who, 1)))
		if (want == "") != (err == nil) || (want != "" && !strings.Contains(err.Error(), want)) {
			t.Errorf("recruited_by %s: %v, want %q", who, err, want)
		}
	}
}
