package program

import "context"

// Roster gathers the affiliates one request needs, each read by key through
// Known (so cached for the cache period), into a view of the rules: the
// webhooks decide who referred an order and what it earns over the rules
// and only the affiliates the order names (SPEC 15), never the whole
// program. What the rules look up and do not find behaves as in the whole
// program: an affiliate neither current nor gathered is unknown.
type Roster struct {
	rules  *Program
	known  *Known
	as     []Affiliate
	former []Affiliate
	has    map[string]bool
	// payees are the codes AddPayees looked up; in, those in as.
	payees, in map[string]bool
}

// NewRoster starts a request's view of rules with no affiliate in it.
func NewRoster(rules *Program, known *Known) *Roster {
	return &Roster{rules: rules, known: known, has: map[string]bool{}, payees: map[string]bool{}, in: map[string]bool{}}
}

// Add gathers the current affiliates of codes ("" and those already
// gathered are skipped; unknown and former ones stay out, as the whole
// program keeps them out of its affiliates).
func (r *Roster) Add(ctx context.Context, codes ...string) error {
	for _, code := range codes {
		if code == "" || r.has[code] {
			continue
		}
		a, _, err := r.known.Affiliate(ctx, code)
		if err != nil {
			return err
		}
		r.has[code] = true
		if a != nil && !r.in[code] {
			r.in[code] = true
			r.as = append(r.as, *a)
		}
	}
	return nil
}

// AddPayees gathers the affiliates of codes, current or former: what an
// entry names by code whoever it was (an override's recruit, a summary
// row's affiliate) and the program looks up with Payee. Codes already
// gathered, "" and unknown ones are skipped.
func (r *Roster) AddPayees(ctx context.Context, codes ...string) error {
	for _, code := range codes {
		if code == "" || r.payees[code] || r.in[code] {
			continue
		}
		a, former, err := r.known.Payee(ctx, code)
		if err != nil {
			return err
		}
		r.payees[code] = true
		switch {
		case a == nil:
		case former:
			r.former = append(r.former, *a)
		default:
			r.in[code], r.has[code] = true, true
			r.as = append(r.as, *a)
		}
	}
	return nil
}

// AddCoupons gathers the holders of an order's coupon codes, in order, up
// to the first code someone holds: the rules ignore every code after it
// whoever holds it. A former holder is kept only for its codes, so its
// code is known and refers nobody, as in the whole program.
func (r *Roster) AddCoupons(ctx context.Context, codes []string) error {
	for _, code := range codes {
		if !ValidCoupon(code) {
			continue
		}
		if _, held := r.Program().CouponOwner(code); held {
			return nil
		}
		a, former, err := r.known.CouponHolder(ctx, code)
		if err != nil {
			return err
		}
		if a == nil {
			continue
		}
		switch {
		case former:
			r.former = append(r.former, *a)
		case !r.in[a.Code]:
			r.has[a.Code], r.in[a.Code] = true, true
			r.as = append(r.as, *a)
		}
		return nil
	}
	return nil
}

// Program is the rules with the affiliates gathered so far.
func (r *Roster) Program() *Program { return r.rules.with(r.as, r.former, nil) }
