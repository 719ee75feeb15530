package program_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/domain/program"
)

func TestDemoProgramIsValid(t *testing.T) {
	p, err := program.Parse(demo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Enrolled("jane", "retreat-2026") || p.Enrolled("bob", "retreat-2026") {
		t.Error("enrollment lookups wrong")
	}
	if p.Location().String() != "America/New_York" || p.CookieDays != 30 || p.HoldDays() != 14 {
		t.Errorf("settings: %v %d %d", p.Location(), p.CookieDays, p.HoldDays())
	}
	if a, _ := p.Affiliate("kim"); a.PayoutEmail() != "kim.payouts@example.com" || !a.IsActive() {
		t.Errorf("kim: %+v", a)
	}
}

func TestDefaults(t *testing.T) {
	p, err := program.Parse([]byte(`
currency: JPY
fallback_url: https://example.com/
events: [{slug: e, name: E, url: "https://example.com/e"}]
`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Location().String() != "UTC" || p.CookieDays != 30 || p.Attribution != program.FirstTouch ||
		p.CouponPrecedence != program.PrecedenceCoupon || p.HoldDays() != 30 || p.MinPayoutCents() != 0 {
		t.Errorf("defaults: %+v", p)
	}
}

func TestInvalidProgramListsEveryProblemByPath(t *testing.T) {
	src := `
currency: usd
timezone: Mars/Olympus
cookie_days: -1
attribution: whoever
coupon_precedence: typed
fallback_url: ftp://example.com/
comission: 5
events:
  - {slug: summit, name: Summit, url: "https://example.com/s"}
  - {slug: summit, name: "", url: "not a url"}
products:
  - {sku: A, name: A, event: summit, kind: recording, price_cents: 100}
  - {sku: A, name: B, event: x, kind: vinyl, price_cents: -5}
  - {sku: C, name: C, event: summit, kind: speaker_product, price_cents: 5, speaker: nobody}
plans:
  - id: standard
    rates_bp: {recording: 10001, vinyl: 5}
    product_rates_bp: {ZZZ: 100}
    speaker_rate_bp: -1
    bonus: 3
affiliates:
  - {code: J, name: Jane, email: "jane", plan: gold, events: [summit, nope, summit], api_key: short}
  - {code: bob, name: Bob, email: bob@example.com, plan: standard, events: [summit], api_key: same-key-123}
  - {code: bob, name: Bob2, email: bob2@example.com, plan: standard, events: [], api_key: same-key-123}
owners:
  - {name: Accounts, email: "accounts at example"}
  - {name: Host, email: bob@example.com}
`
	_, err := program.Parse([]byte(src))
	var inv *program.Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("want *Invalid, got %v", err)
	}
	want := []string{
		`comission: unknown field`,
		`plans[0].bonus: unknown field`,
	}
	for _, w := range want {
		if !contains(inv.Problems, w) {
			t.Errorf("missing problem %q in:\n%s", w, strings.Join(inv.Problems, "\n"))
		}
	}
	// Unknown fields stop the file before the rules run; fix them and every
	// rule's problem is listed by path.
	src = strings.Replace(strings.Replace(src, "comission: 5\n", "", 1), "    bonus: 3\n", "", 1)
	_, err = program.Parse([]byte(src))
	if !errors.As(err, &inv) {
		t.Fatalf("want *Invalid, got %v", err)
	}
	want = []string{
		`currency: must be an ISO 4217 code such as USD, got "usd"`,
		`timezone: unknown IANA time zone "Mars/Olympus"`,
		`cookie_days: must be between 1 and 3650, got -1`,
		`attribution: must be first_touch or last_touch, got "whoever"`,
		`coupon_precedence: must be coupon or click, got "typed"`,
		`fallback_url: must be an absolute http(s) URL, got "ftp://example.com/"`,
		`events[1].slug: duplicate event "summit"`,
		`events[1].name: is required`,
		`events[1].url: must be an absolute http(s) URL, got "not a url"`,
		`products[1].sku: duplicate SKU "A"`,
		`products[1].event: unknown event "x"`,
		`products[1].kind: must be recording, transcript, speaker_product or other, got "vinyl"`,
		`products[1].price_cents: must not be negative, got -5`,
		`products[2].speaker: unknown affiliate "nobody"`,
		`plans[0].rates_bp.recording: must be between 0 and 10000 basis points, got 10001`,
		`plans[0].rates_bp.vinyl: unknown product kind "vinyl"`,
		`plans[0].product_rates_bp.ZZZ: unknown SKU "ZZZ"`,
		`plans[0].speaker_rate_bp: must be between 0 and 10000 basis points, got -1`,
		`affiliates[0].code: must match [a-z0-9-]{2,32}, got "J"`,
		`affiliates[0].email: must be a plain email address, got "jane"`,
		`affiliates[0].plan: unknown plan "gold"`,
		`affiliates[0].events[1]: unknown event "nope"`,
		`affiliates[0].events[2]: duplicate event "summit"`,
		`affiliates[0].api_key: must be at least 8 characters`,
		`affiliates[2].code: duplicate affiliate code "bob"`,
		`affiliates[2].api_key: is the same key as affiliates[1].api_key`,
		`owners[0].email: must be a plain email address, got "accounts at example"`,
		`owners[1].email: is affiliate "bob"'s address too: one address signs in as one person`,
	}
	for _, w := range want {
		if !contains(inv.Problems, w) {
			t.Errorf("missing problem %q", w)
		}
	}
	if len(inv.Problems) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(inv.Problems), len(want), strings.Join(inv.Problems, "\n"))
	}
	for _, p := range inv.Problems {
		if strings.Contains(p, "same-key-123") || strings.Contains(p, "short\"") {
			t.Errorf("a problem echoes an API key: %s", p)
		}
	}
}

func TestMalformedYAML(t *testing.T) {
	_, err := program.Parse([]byte("currency: [unclosed"))
	var inv *program.Invalid
	if !errors.As(err, &inv) || len(inv.Problems) != 1 {
		t.Fatalf("want one problem, got %v", err)
	}
	_, err = program.Parse([]byte("currency: USD\ncookie_days: many\n"))
	if !errors.As(err, &inv) || !strings.Contains(inv.Problems[0], "cookie_days") && !strings.Contains(inv.Problems[0], "many") {
		t.Fatalf("type error not reported: %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestRecurringMonths(t *testing.T) {
	base := "currency: USD\nfallback_url: https://example.com/\nevents: [{slug: e, name: E, url: \"https://example.com/e\"}]\n"
	for _, c := range []struct {
		line string
		want int
		ok   bool
	}{{"", 12, true}, {"recurring_months: 0\n", 0, true}, {"recurring_months: 24\n", 24, true}, {"recurring_months: -1\n", 0, false}} {
		p, err := program.Parse([]byte(base + c.line))
		if (err == nil) != c.ok {
			t.Fatalf("%q: err %v", c.line, err)
		}
		if c.ok && p.Recurring() != c.want {
			t.Errorf("%q: Recurring() = %d, want %d", c.line, p.Recurring(), c.want)
		}
		if !c.ok && !strings.Contains(err.Error(), "recurring_months") {
			t.Errorf("%q: %v does not name recurring_months", c.line, err)
		}
	}
}

func TestMaxTagsPerDay(t *testing.T) {
	base := "currency: USD\nfallback_url: https://example.com/\nevents: [{slug: e, name: E, url: \"https://example.com/e\"}]\n"
	for _, c := range []struct {
		line string
		want int
		ok   bool
	}{{"", 50, true}, {"max_tags_per_day: 1\n", 1, true}, {"max_tags_per_day: 500\n", 500, true},
		{"max_tags_per_day: 0\n", 0, false}, {"max_tags_per_day: -3\n", 0, false}, {"max_tags_per_day: 501\n", 0, false}} {
		p, err := program.Parse([]byte(base + c.line))
		if (err == nil) != c.ok {
			t.Fatalf("%q: err %v", c.line, err)
		}
		if c.ok && p.TagsPerDay() != c.want {
			t.Errorf("%q: TagsPerDay() = %d, want %d", c.line, p.TagsPerDay(), c.want)
		}
		if !c.ok && !strings.Contains(err.Error(), "max_tags_per_day") {
			t.Errorf("%q: %v does not name max_tags_per_day", c.line, err)
		}
	}
}
