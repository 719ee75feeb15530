package commission

import (
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/money"
	"github.com/tallyhq/tally/shared/domain/program"
)

// Override is what a recruiter earns of a recruit's commission C at their
// plan's override_bp (SPEC 16): round(C × bp / 10000), half away from zero.
func Override(c, bp int64) int64 { return money.Rate(c, bp) }

// OverrideClawback is what a refund takes back of an override O of a
// commission C whose clawed amount goes from k0 to k:
// round(O × k / C) − round(O × k0 / C), so a full clawback (k = C) takes
// O exactly, and the override left is always round(O × (C − k) / C).
func OverrideClawback(o, c, k0, k int64) int64 {
	if c == 0 {
		return 0
	}
	return money.Prorate(o, k, c) - money.Prorate(o, k0, c)
}

// Overrides are the recruiters' entries for an order's commissions: for
// each referral or speaker commission (never an override: one level)
// whose affiliate was recruited by an active affiliate whose plan sets
// override_bp, an override of round(C × bp / 10000), dated, held and
// explained like the commission it follows. An override of 0 is not
// written. An inactive or former recruiter earns none.
func Overrides(p *program.Program, earned []ledger.Entry) []ledger.Entry {
	var out []ledger.Entry
	for _, e := range earned {
		if e.Type != ledger.TypeReferral && e.Type != ledger.TypeSpeaker {
			continue
		}
		recruit, ok := p.Affiliate(e.Affiliate)
		if !ok || recruit.RecruitedBy == "" || recruit.RecruitedBy == e.Affiliate {
			continue
		}
		recruiter, ok := p.Affiliate(recruit.RecruitedBy)
		if !ok || !recruiter.IsActive() {
			continue
		}
		plan, ok := p.Plan(recruiter.Plan)
		if !ok || plan.OverrideBP == 0 {
			continue
		}
		o := Override(e.AmountCents, plan.OverrideBP)
		if o == 0 {
			continue
		}
		out = append(out, ledger.Entry{
			ID: ledger.OverrideID(e.ID), Affiliate: recruiter.Code, At: e.At,
			Type: ledger.TypeOverride, Rule: ledger.RuleOverride,
			OrderID: e.OrderID, SKU: e.SKU, Event: e.Event,
			BasisCents: e.AmountCents, RateBP: plan.OverrideBP, AmountCents: o,
			AvailableOn: e.AvailableOn, Of: e.ID, Recruit: e.Affiliate,
		})
	}
	return out
}

// Recruiters are the recruiters of the affiliates who earned entries: with
// those affiliates, the only ones Overrides looks up.
func Recruiters(p *program.Program, earned []ledger.Entry) []string {
	var out []string
	for _, e := range earned {
		if recruit, ok := p.Affiliate(e.Affiliate); ok && recruit.RecruitedBy != "" {
			out = append(out, recruit.RecruitedBy)
		}
	}
	return out
}
