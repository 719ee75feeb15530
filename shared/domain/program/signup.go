package program

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Signup modes (SPEC 16): who may join from the public page.
const (
	SignupClosed   = "closed"
	SignupApproval = "approval"
	SignupOpen     = "open"
)

// OriginSignup is where an affiliate who joined from the public page was
// made (open signup or an approved application).
const OriginSignup = "signup"

// ReservedEventSlugs could name an event but are paths of their own under
// /join.
var ReservedEventSlugs = map[string]bool{"confirm": true}

// SignupRule is what joining an event (or the program) is: the mode, the
// plan a new affiliate gets and the terms they accept.
type SignupRule struct {
	Mode, Plan, TermsURL string
}

// Open says whether anyone may apply or join.
func (r SignupRule) Open() bool { return r.Mode == SignupOpen || r.Mode == SignupApproval }

// SignupFor is the rule of joining one event: the event's own settings
// where it has them, else the program's.
func (p *Program) SignupFor(e *Event) SignupRule {
	r := SignupRule{Mode: p.Signup, Plan: p.SignupPlan, TermsURL: p.TermsURL}
	if e.Signup != "" {
		r.Mode = e.Signup
	}
	if e.SignupPlan != "" {
		r.Plan = e.SignupPlan
	}
	if e.TermsURL != "" {
		r.TermsURL = e.TermsURL
	}
	if r.Mode == "" {
		r.Mode = SignupClosed
	}
	return r
}

// JoinEvents are the events /join enrols in: every event open to signup.
func (p *Program) JoinEvents() []string {
	var out []string
	for i := range p.Events {
		if p.SignupFor(&p.Events[i]).Open() {
			out = append(out, p.Events[i].Slug)
		}
	}
	return out
}

// JoinRule is the rule of a signup for the given events (none: /join):
// the program's own rule for /join when it is open, else the first open
// event's; closed when no event is open.
func (p *Program) JoinRule(event string) SignupRule {
	if event != "" {
		e, ok := p.Event(event)
		if !ok {
			return SignupRule{Mode: SignupClosed}
		}
		return p.SignupFor(e)
	}
	evs := p.JoinEvents()
	if len(evs) == 0 {
		return SignupRule{Mode: SignupClosed}
	}
	rule := SignupRule{Mode: p.Signup, Plan: p.SignupPlan, TermsURL: p.TermsURL}
	if !rule.Open() {
		e, _ := p.Event(evs[0])
		rule = p.SignupFor(e)
	}
	// Approval wins over open when the events differ: nobody joins an
	// event that wants approval without it.
	for _, ev := range evs {
		e, _ := p.Event(ev)
		if p.SignupFor(e).Mode == SignupApproval {
			rule.Mode = SignupApproval
		}
	}
	return rule
}

// CodeFromName is the affiliate code made from a name (SPEC 16): its
// letters and digits, lower-cased, without accents, words joined by "-",
// at most 32 characters; n > 1 adds "-n" to make it unique. A name with
// nothing usable gives "affiliate".
func CodeFromName(name string, n int) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(strings.ToLower(name)) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		case unicode.Is(unicode.Mn, r): // an accent, dropped
		default:
			dash = true
		}
	}
	code := b.String()
	if len(code) < 2 {
		code = "affiliate"
	}
	suffix := ""
	if n > 1 {
		suffix = "-" + strconv.Itoa(n)
	}
	if len(code)+len(suffix) > 32 {
		code = strings.TrimRight(code[:32-len(suffix)], "-")
	}
	code += suffix
	if reservedCodes[code] {
		code += "-1"
	}
	return code
}
