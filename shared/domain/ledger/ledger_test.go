package ledger

import "testing"

func TestSumAddsEveryAmountClawbacksSubtracting(t *testing.T) {
	for _, c := range []struct {
		name    string
		amounts []int64
		want    int64
	}{
		{"no entries sum to zero", nil, 0},
		{"one commission", []int64{4850}, 4850},
		{"commissions add up", []int64{4850, 2350, 10000}, 17200},
		{"a clawback takes back", []int64{4850, 2350, -2350}, 4850},
		{"clawbacks of money already paid go below zero", []int64{1111, -1111, -5880}, -5880},
	} {
		var es []Entry
		for _, a := range c.amounts {
			es = append(es, Entry{AmountCents: a})
		}
		if got := Sum(es); got != c.want {
			t.Errorf("%s: Sum(%v) = %d, want %d", c.name, c.amounts, got, c.want)
		}
	}
}

// At most one commission per (order, SKU, type) and one clawback of it per
// refund: their ids are derived, so a replay writes the same id, and the
// two kinds never collide.
func TestIDsAreDerivedFromWhatTheyAreUnique(t *testing.T) {
	for _, c := range []struct {
		name, got, want string
	}{
		{"a referral commission", CommissionID("order-1001", "SUM26-REC", TypeReferral), "o:order-1001:SUM26-REC:referral"},
		{"a speaker commission", CommissionID("order-1001", "SUM26-JANE-COURSE", TypeSpeaker), "o:order-1001:SUM26-JANE-COURSE:speaker"},
		{"a clawback of a referral", ClawbackID("refund-77", "SUM26-REC", TypeReferral), "r:refund-77:SUM26-REC:referral"},
		{"a clawback of a speaker commission", ClawbackID("refund-77", "SUM26-JANE-COURSE", TypeSpeaker), "r:refund-77:SUM26-JANE-COURSE:speaker"},
	} {
		if c.got != c.want {
			t.Errorf("%s: id %q, want %q", c.name, c.got, c.want)
		}
	}
	if CommissionID("x", "A", TypeReferral) == ClawbackID("x", "A", TypeReferral) {
		t.Error("a commission and a clawback with the same ids share an id")
	}
}
