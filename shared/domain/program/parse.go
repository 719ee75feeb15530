package program

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tallyhq/tally/shared/domain/egress"
	"github.com/tallyhq/tally/shared/domain/webhooksig"
)

// Invalid is a refused program file: every problem, each named by its path
// (`products[1].event: unknown event "x"`).
type Invalid struct {
	Problems []string
}

func (e *Invalid) Error() string {
	return fmt.Sprintf("invalid program (%d problems):\n  %s", len(e.Problems), strings.Join(e.Problems, "\n  "))
}

var (
	codeRE  = regexp.MustCompile(`^[a-z0-9-]{2,32}$`)
	slugRE  = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)
	skuRE   = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	planRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	currRE  = regexp.MustCompile(`^[A-Z]{3}$`)
	isKind  = map[string]bool{KindRecording: true, KindTranscript: true, KindSpeakerProduct: true, KindOther: true}
	isModel = map[string]bool{FirstTouch: true, LastTouch: true}
)

// ValidSlug and ValidCode say whether a string could name an event or an
// affiliate; link parsing uses them before any lookup.
func ValidSlug(s string) bool { return slugRE.MatchString(s) }
func ValidCode(s string) bool { return codeRE.MatchString(s) }

// Parse reads and validates a program file. On any problem it returns an
// *Invalid listing all of them, and no program.
func Parse(data []byte) (*Program, error) { return parse(data, false) }

// ParseToLoad is Parse for a file about to be loaded into a table: a
// product's speaker may be an affiliate the file does not list, since
// affiliates are also made on the dashboard; PlanLoad checks it against
// the file and the table together.
func ParseToLoad(data []byte) (*Program, error) { return parse(data, true) }

func parse(data []byte, speakersElsewhere bool) (*Program, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, &Invalid{Problems: []string{"file: " + err.Error()}}
	}
	var probs problems
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	checkFields(doc, reflect.TypeOf(Program{}), "", &probs)
	var p Program
	if err := doc.Decode(&p); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, m := range te.Errors {
				probs.add("file", "%s", m)
			}
		} else {
			probs.add("file", "%s", err)
		}
	}
	if len(probs) == 0 {
		p.validate(&probs, speakersElsewhere)
	}
	if len(probs) > 0 {
		return nil, &Invalid{Problems: probs}
	}
	if err := p.Index(); err != nil {
		return nil, &Invalid{Problems: []string{"timezone: " + err.Error()}}
	}
	return &p, nil
}

type problems []string

func (ps *problems) add(path, format string, args ...any) {
	*ps = append(*ps, path+": "+fmt.Sprintf(format, args...))
}

// checkFields reports every mapping key that the program types do not know,
// by path, so a typo ("comission") is never silently ignored.
func checkFields(n *yaml.Node, t reflect.Type, path string, probs *problems) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		known := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if tag != "" && tag != "-" && f.IsExported() {
				known[tag] = f.Type
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i].Value, n.Content[i+1]
			ft, ok := known[key]
			if !ok {
				probs.add(join(path, key), "unknown field")
				continue
			}
			checkFields(val, ft, join(path, key), probs)
		}
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for i, c := range n.Content {
			checkFields(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), probs)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (p *Program) validate(probs *problems, speakersElsewhere bool) {
	if !currRE.MatchString(p.Currency) {
		probs.add("currency", "must be an ISO 4217 code such as USD, got %q", p.Currency)
	}
	if p.Timezone != "" {
		if _, err := time.LoadLocation(p.Timezone); err != nil || p.Timezone == "Local" {
			probs.add("timezone", "unknown IANA time zone %q", p.Timezone)
		}
	}
	if n := p.MaxTagsPerDay; n != nil && (*n < 1 || *n > MaxMaxTagsPerDay) {
		probs.add("max_tags_per_day", "must be between 1 and %d, got %d", MaxMaxTagsPerDay, *n)
	}
	if p.CookieDays < 0 || p.CookieDays > 3650 {
		probs.add("cookie_days", "must be between 1 and 3650, got %d", p.CookieDays)
	}
	if m := p.RecurringMonths; m != nil && (*m < 0 || *m > 1200) {
		probs.add("recurring_months", "must be between 0 and 1200, got %d", *m)
	}
	if p.Attribution != "" && !isModel[p.Attribution] {
		probs.add("attribution", "must be first_touch or last_touch, got %q", p.Attribution)
	}
	if c := p.CouponPrecedence; c != "" && c != PrecedenceCoupon && c != PrecedenceClick {
		probs.add("coupon_precedence", "must be coupon or click, got %q", c)
	}
	checkURL(probs, "fallback_url", p.FallbackURL, true)
	checkURL(probs, "public_base_url", p.PublicBaseURL, false)

	events := map[string]bool{}
	if len(p.Events) == 0 {
		probs.add("events", "at least one event is required")
	}
	for i, e := range p.Events {
		at := fmt.Sprintf("events[%d]", i)
		switch {
		case !slugRE.MatchString(e.Slug):
			probs.add(at+".slug", "must match [a-z0-9-]{1,64}, got %q", e.Slug)
		case events[e.Slug]:
			probs.add(at+".slug", "duplicate event %q", e.Slug)
		}
		events[e.Slug] = true
		if strings.TrimSpace(e.Name) == "" {
			probs.add(at+".name", "is required")
		}
		checkURL(probs, at+".url", e.URL, true)
		validateTools(probs, at, e)
		validateBoards(probs, at, e)
		if ReservedEventSlugs[e.Slug] {
			probs.add(at+".slug", "%q is reserved (a path under /join): choose another slug", e.Slug)
		}
	}

	affiliates := map[string]bool{}
	for _, a := range p.Affiliates {
		affiliates[a.Code] = true
	}

	skus := map[string]bool{}
	for i, pr := range p.Products {
		at := fmt.Sprintf("products[%d]", i)
		switch {
		case !skuRE.MatchString(pr.SKU):
			probs.add(at+".sku", "must match [A-Za-z0-9._-]{1,64}, got %q", pr.SKU)
		case skus[pr.SKU]:
			probs.add(at+".sku", "duplicate SKU %q", pr.SKU)
		}
		skus[pr.SKU] = true
		if strings.TrimSpace(pr.Name) == "" {
			probs.add(at+".name", "is required")
		}
		if !events[pr.Event] {
			probs.add(at+".event", "unknown event %q", pr.Event)
		}
		if !isKind[pr.Kind] {
			probs.add(at+".kind", "must be recording, transcript, speaker_product or other, got %q", pr.Kind)
		}
		if pr.PriceCents < 0 {
			probs.add(at+".price_cents", "must not be negative, got %d", pr.PriceCents)
		}
		switch {
		case pr.Kind == KindSpeakerProduct && pr.Speaker == "":
			probs.add(at+".speaker", "is required for a speaker_product")
		case pr.Kind != KindSpeakerProduct && pr.Speaker != "":
			probs.add(at+".speaker", "only a speaker_product has a speaker")
		case pr.Speaker != "" && !affiliates[pr.Speaker] && !speakersElsewhere:
			probs.add(at+".speaker", "unknown affiliate %q", pr.Speaker)
		}
	}

	plans := map[string]bool{}
	for i, pl := range p.Plans {
		at := fmt.Sprintf("plans[%d]", i)
		switch {
		case !planRE.MatchString(pl.ID):
			probs.add(at+".id", "must match [A-Za-z0-9_-]{1,64}, got %q", pl.ID)
		case plans[pl.ID]:
			probs.add(at+".id", "duplicate plan %q", pl.ID)
		}
		plans[pl.ID] = true
		for _, k := range sortedKeys(pl.RatesBP) {
			if !isKind[k] {
				probs.add(at+".rates_bp."+k, "unknown product kind %q", k)
			}
			checkRate(probs, at+".rates_bp."+k, pl.RatesBP[k])
		}
		for _, k := range sortedKeys(pl.ProductRatesBP) {
			if !skus[k] {
				probs.add(at+".product_rates_bp."+k, "unknown SKU %q", k)
			}
			checkRate(probs, at+".product_rates_bp."+k, pl.ProductRatesBP[k])
		}
		checkRate(probs, at+".speaker_rate_bp", pl.SpeakerRateBP)
		checkRate(probs, at+".override_bp", pl.OverrideBP)
	}
	p.validateSignup(probs, plans)

	codes := map[string]bool{}
	keys := map[string]string{}
	coupons := map[string]string{}
	for i, a := range p.Affiliates {
		at := fmt.Sprintf("affiliates[%d]", i)
		switch {
		case !codeRE.MatchString(a.Code):
			probs.add(at+".code", "must match [a-z0-9-]{2,32}, got %q", a.Code)
		case codes[a.Code]:
			probs.add(at+".code", "duplicate affiliate code %q", a.Code)
		}
		codes[a.Code] = true
		if strings.TrimSpace(a.Name) == "" {
			probs.add(at+".name", "is required")
		}
		checkEmail(probs, at+".email", a.Email, true)
		checkEmail(probs, at+".paypal_email", a.PayPalEmail, false)
		if !plans[a.Plan] {
			probs.add(at+".plan", "unknown plan %q", a.Plan)
		}
		seen := map[string]bool{}
		for j, ev := range a.Events {
			switch {
			case !events[ev]:
				probs.add(fmt.Sprintf("%s.events[%d]", at, j), "unknown event %q", ev)
			case seen[ev]:
				probs.add(fmt.Sprintf("%s.events[%d]", at, j), "duplicate event %q", ev)
			}
			seen[ev] = true
		}
		checkKey(probs, keys, at+".api_key", a.APIKey)
		if len(a.Coupons) > MaxCoupons {
			probs.add(at+".coupons", "at most %d codes per affiliate", MaxCoupons)
		}
		for j, c := range a.Coupons {
			path := fmt.Sprintf("%s.coupons[%d]", at, j)
			switch other, dup := coupons[CouponKey(c)]; {
			case !ValidCoupon(c):
				probs.add(path, "must be 3 to 32 letters, digits, _ or -, got %q", c)
			case dup:
				probs.add(path, "%q is also %s (case does not matter)", c, other)
			}
			coupons[CouponKey(c)] = path
		}
		if reservedCodes[a.Code] {
			probs.add(at+".code", "%q is reserved: choose another code", a.Code)
		}
		switch a.Notify {
		case "", NotifyEach, NotifyDaily, NotifyNone:
		default:
			probs.add(at+".notify", "must be each, daily or none, got %q", a.Notify)
		}
		switch {
		case a.RecruitedBy == "":
		case a.RecruitedBy == a.Code:
			probs.add(at+".recruited_by", "an affiliate cannot recruit themselves")
		case !affiliates[a.RecruitedBy]:
			probs.add(at+".recruited_by", "unknown affiliate %q", a.RecruitedBy)
		}
	}
	for i, w := range p.WebhooksOut {
		at := fmt.Sprintf("webhooks_out[%d]", i)
		checkURL(probs, at+".url", w.URL, true)
		if err := egress.CheckURL(w.URL, true); w.URL != "" && err != nil {
			probs.add(at+".url", "must be an https URL (http only to a loopback address, for the dev server): %v", err)
		}
		if w.Secret != "" {
			if _, err := webhooksig.ParseSecrets(w.Secret); err != nil || len(strings.Fields(w.Secret)) != 1 {
				probs.add(at+".secret", "must be one whsec_<base64> secret")
			}
		}
		if len(w.Events) == 0 {
			probs.add(at+".events", "is required: one or more of %s", strings.Join(OutEventTypes, ", "))
		}
		for j, ev := range w.Events {
			if !slices.Contains(OutEventTypes, ev) {
				probs.add(fmt.Sprintf("%s.events[%d]", at, j), "unknown event %q", ev)
			}
		}
	}
	if p.Payouts != nil {
		if p.Payouts.HoldDays != nil && (*p.Payouts.HoldDays < 0 || *p.Payouts.HoldDays > 3650) {
			probs.add("payouts.hold_days", "must be between 0 and 3650, got %d", *p.Payouts.HoldDays)
		}
		if p.Payouts.MinPayoutCents < 0 {
			probs.add("payouts.min_payout_cents", "must not be negative, got %d", p.Payouts.MinPayoutCents)
		}
	}
	owners := map[string]bool{}
	for i, o := range p.Owners {
		at := fmt.Sprintf("owners[%d]", i)
		switch {
		case strings.TrimSpace(o.Name) == "":
			probs.add(at+".name", "is required")
		case owners[o.Name]:
			probs.add(at+".name", "duplicate owner %q", o.Name)
		}
		owners[o.Name] = true
		checkKey(probs, keys, at+".api_key", o.APIKey)
		checkEmail(probs, at+".email", o.Email, false)
		for _, a := range p.Affiliates {
			if o.Email != "" && strings.EqualFold(strings.TrimSpace(a.Email), strings.TrimSpace(o.Email)) {
				probs.add(at+".email", "is affiliate %q's address too: one address signs in as one person", a.Code)
			}
		}
	}
}

// validateSignup checks the signup settings of the program and its events
// (SPEC 16): a known mode, a known plan unless closed, a terms URL.
func (p *Program) validateSignup(probs *problems, plans map[string]bool) {
	check := func(at, mode, plan, terms string, inherited bool) {
		switch mode {
		case "", SignupClosed, SignupApproval, SignupOpen:
		default:
			probs.add(join(at, "signup"), "must be closed, approval or open, got %q", mode)
		}
		switch {
		case plan != "" && !plans[plan]:
			probs.add(join(at, "signup_plan"), "unknown plan %q", plan)
		case plan == "" && !inherited && (mode == SignupApproval || mode == SignupOpen):
			probs.add(join(at, "signup_plan"), "is required when signup is %s", mode)
		}
		checkURL(probs, join(at, "terms_url"), terms, false)
	}
	check("", p.Signup, p.SignupPlan, p.TermsURL, false)
	for i, e := range p.Events {
		check(fmt.Sprintf("events[%d]", i), e.Signup, e.SignupPlan, e.TermsURL, p.SignupPlan != "")
	}
}

func checkURL(probs *problems, path, raw string, required bool) {
	if raw == "" {
		if required {
			probs.add(path, "is required")
		}
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		probs.add(path, "must be an absolute http(s) URL, got %q", raw)
	}
}

func checkEmail(probs *problems, path, raw string, required bool) {
	if raw == "" {
		if required {
			probs.add(path, "is required")
		}
		return
	}
	a, err := mail.ParseAddress(raw)
	if err != nil || a.Address != raw {
		probs.add(path, "must be a plain email address, got %q", raw)
	}
}

func checkRate(probs *problems, path string, bp int64) {
	if bp < 0 || bp > 10000 {
		probs.add(path, "must be between 0 and 10000 basis points, got %d", bp)
	}
}

// checkKey refuses short or shared keys; the message never repeats a key.
func checkKey(probs *problems, seen map[string]string, path, key string) {
	if key == "" {
		return
	}
	if len(key) < 8 {
		probs.add(path, "must be at least 8 characters")
	}
	if other, dup := seen[key]; dup {
		probs.add(path, "is the same key as %s", other)
	}
	seen[key] = path
}

func sortedKeys(m map[string]int64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
