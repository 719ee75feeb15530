package paying_test

import (
	"testing"

	"github.com/tallyhq/tally/shared/domain/paying"
	"github.com/tallyhq/tally/shared/domain/program"
)

// The owner's balances list every current affiliate, and a former one
// only while something is held, payable (either sign) or in a payout:
// what was paid is history, not owed.
func TestAFormerAffiliateIsListedWhileOwed(t *testing.T) {
	p := (&program.Program{}).WithAffiliates([]program.Affiliate{{Code: "kim"}}, []program.Affiliate{{Code: "gone"}})
	for _, c := range []struct {
		name string
		b    paying.BalanceAnswer
		want bool
	}{
		{"current, owed nothing", paying.BalanceAnswer{Affiliate: "kim"}, true},
		{"former, owed nothing", paying.BalanceAnswer{Affiliate: "gone"}, false},
		{"former, paid only", paying.BalanceAnswer{Affiliate: "gone", PaidCents: 5000}, false},
		{"former, held", paying.BalanceAnswer{Affiliate: "gone", HeldCents: 100}, true},
		{"former, payable", paying.BalanceAnswer{Affiliate: "gone", AvailableCents: 100}, true},
		{"former, owing a clawback", paying.BalanceAnswer{Affiliate: "gone", AvailableCents: -100}, true},
		{"former, in a payout", paying.BalanceAnswer{Affiliate: "gone", InPayoutCents: 100}, true},
	} {
		if got := paying.Listed(p, c.b); got != c.want {
			t.Errorf("%s: listed %v, want %v", c.name, got, c.want)
		}
	}
}
