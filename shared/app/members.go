package app

import (
	"context"

	"github.com/tallyhq/tally/shared/domain/program"
)

// AffiliateView is the program as one affiliate's own pages need it: the
// rules, the affiliate with its links, and with recruits its recruits
// (current and former: their overrides name them). Nothing here reads
// every affiliate, so an affiliate's page costs the same in a program of
// ten affiliates or ten thousand (SPEC 15). An unknown or former code
// gives the rules with no affiliate in them.
func (d *Deps) AffiliateView(ctx context.Context, code string, recruits bool) (*program.Program, error) {
	rules, err := d.Rules.Get(ctx)
	if err != nil {
		return nil, err
	}
	a, links, err := d.Members.Affiliate(ctx, code)
	if err != nil || a == nil {
		return rules.With(nil, nil), err
	}
	as := []program.Affiliate{*a}
	if recruits {
		rs, err := d.Store.Recruits(ctx, code)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if r.Code != code {
				as = append(as, r)
			}
		}
	}
	return rules.With(as, links), nil
}

// PayeeView is the program as the owner's views of one affiliate need it:
// rules (the owner gate's, read without affiliates), with that affiliate
// alone, current or former, read by key; a is nil when the code is
// nobody's. Its recruits are read only when an entry names one, and no
// other affiliate at all (SPEC 15).
func (d *Deps) PayeeView(ctx context.Context, rules *program.Program, code string) (p *program.Program, a *program.Affiliate, former bool, err error) {
	a, former, err = d.Store.GetAffiliate(ctx, code)
	if err != nil || a == nil {
		return rules, nil, false, err
	}
	as := []program.Affiliate{*a}
	if former {
		p = rules.WithAffiliates(nil, as)
	} else {
		p = rules.WithAffiliates(as, nil)
	}
	a, _, _ = p.Payee(code)
	return p, a, former, nil
}
