package attribution

import (
	"testing"
	"time"

	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
)

// A click's channel tag travels with the referral and the contact's touch;
// a later order the contact brings keeps it; a named affiliate has none.
func TestChannelTagTravelsWithTheReferral(t *testing.T) {
	p := testProgram(t, program.FirstTouch)
	keys, _ := clicktoken.NewKeys([]byte("test-click-key-0123456789abcdef0123456789"))
	at := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	tok := keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "summit-2026", At: at.Add(-time.Hour), Sub: "podcast"})

	d := Decide(p, keys, Evidence{Kind: OptIn, At: at, Click: tok, Event: "summit-2026"})
	if d.Referral.Sub != "podcast" || d.Next == nil || d.Next.Sub != "podcast" {
		t.Fatalf("opt-in through a tagged click: %+v %+v", d.Referral, d.Next)
	}
	later := Decide(p, keys, Evidence{Kind: Order, At: at.Add(48 * time.Hour), Current: d.Next, SKUs: []string{"SUM26-REC"}})
	if later.Referral.Via != ledger.ViaContact || later.Referral.Sub != "podcast" {
		t.Errorf("later order through the contact: %+v", later.Referral)
	}
	named := Decide(p, keys, Evidence{Kind: Order, At: at, Affiliate: "jane", Current: d.Next, SKUs: []string{"SUM26-REC"}})
	if named.Referral.Via != ledger.ViaAffiliate || named.Referral.Sub != "" {
		t.Errorf("named order: %+v", named.Referral)
	}
	// Last touch: the same click again with another tag is a new touch.
	p.Attribution = program.LastTouch
	other := keys.Sign(clicktoken.Claims{Affiliate: "jane", Event: "summit-2026", At: at.Add(-time.Hour), Sub: "list"})
	if again := Decide(p, keys, Evidence{Kind: OptIn, At: at, Click: other, Current: d.Next}); again.Next == nil || again.Next.Sub != "list" {
		t.Errorf("last touch with another tag: %+v", again.Next)
	}
}
