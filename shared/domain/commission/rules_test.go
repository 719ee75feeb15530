package commission

import (
	"errors"
	"slices"
	"testing"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
)

// SPEC 4.2: one commission per affiliate per line, and a line that earns
// nothing (an unknown SKU, no rate) never stops the lines after it.
func TestEarnPerLine(t *testing.T) {
	// The standard plan pays 10% on speaker products, so a speaker
	// referring their own product would earn a referral too if the rule
	// did not stop it.
	speakerRate := demo.Program()
	std, _ := speakerRate.Plan("standard")
	std.RatesBP[program.KindSpeakerProduct] = 1000
	noSpeaker := demo.Program()
	course, _ := noSpeaker.Product("SUM26-JANE-COURSE")
	course.Speaker = ""
	recordingWithSpeaker := demo.Program()
	rec, _ := recordingWithSpeaker.Product("SUM26-REC")
	rec.Speaker = "bob"
	ref := func(a string) Referral { return Referral{Affiliate: a, LinkEvent: "summit-2026", Via: ledger.ViaClick} }
	for _, c := range []struct {
		name  string
		p     *program.Program
		lines []Line
		ref   Referral
		want  []earned
	}{
		{"a speaker referring their own product earns only the speaker commission", speakerRate,
			[]Line{{"SUM26-JANE-COURSE", 1, 20000, 0, 0}}, ref("jane"),
			[]earned{{"jane", "SUM26-JANE-COURSE", "speaker", 10000}}},
		{"another referrer of a speaker product earns the referral beside the speaker", speakerRate,
			[]Line{{"SUM26-JANE-COURSE", 1, 20000, 0, 0}}, ref("bob"),
			[]earned{{"jane", "SUM26-JANE-COURSE", "speaker", 10000}, {"bob", "SUM26-JANE-COURSE", "referral", 2000}}},
		{"an unknown SKU does not stop commission on later lines", demo.Program(),
			[]Line{{"MYSTERY", 1, 5000, 0, 0}, {"SUM26-REC", 1, 9700, 0, 0}}, ref("jane"),
			[]earned{{"jane", "SUM26-REC", "referral", 4850}}},
		{"a line with no rate does not stop commission on later lines", demo.Program(),
			[]Line{{"SUM26-BOB-BOOK", 1, 3000, 0, 0}, {"SUM26-REC", 1, 9700, 0, 0}}, ref("jane"),
			[]earned{{"bob", "SUM26-BOB-BOOK", "speaker", 1500}, {"jane", "SUM26-REC", "referral", 4850}}},
		{"a line of an event the referrer is not in does not stop later lines", demo.Program(),
			[]Line{{"RET26-REC", 1, 9700, 0, 0}, {"SUM26-REC", 1, 9700, 0, 0}}, ref("bob"),
			[]earned{{"bob", "SUM26-REC", "referral", 4850}}},
		{"a speaker product without a speaker earns no speaker commission", noSpeaker,
			[]Line{{"SUM26-JANE-COURSE", 1, 20000, 0, 0}}, Referral{}, nil},
		{"only a speaker product earns a speaker commission", recordingWithSpeaker,
			[]Line{{"SUM26-REC", 1, 9700, 0, 0}}, Referral{}, nil},
	} {
		got := summary(Earn(c.p, Order{ID: "o1", At: at, Lines: c.lines, Referral: c.ref}))
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

// largestRemainder shares money exactly, the rest a unit at a time to the
// largest remainders, ties to the earlier line.
func TestLargestRemainderTiesToTheEarlier(t *testing.T) {
	for _, c := range []struct {
		name    string
		total   int64
		weights []int64
		want    []int64
	}{
		{"a tie goes to the earlier", 1, []int64{1, 1}, []int64{1, 0}},
		{"three ways, the extra unit to the first", 10, []int64{1, 1, 1}, []int64{4, 3, 3}},
		{"the largest remainder wins over an earlier one", 10, []int64{1, 0, 2}, []int64{3, 0, 7}},
		{"a later, larger remainder wins", 1, []int64{1, 2}, []int64{0, 1}},
		{"exact shares need no remainder", 6, []int64{1, 2}, []int64{2, 4}},
		{"one weight takes all", 7, []int64{3}, []int64{7}},
		{"no weight takes nothing", 5, []int64{0, 0}, []int64{0, 0}},
		{"nothing to share", 0, []int64{1, 2}, []int64{0, 0}},
	} {
		if got := largestRemainder(c.total, c.weights); !slices.Equal(got, c.want) {
			t.Errorf("%s: largestRemainder(%d, %v) = %v, want %v", c.name, c.total, c.weights, got, c.want)
		}
	}
}

// clawed is what each line's commissions have had taken back.
func clawed(o SoldOrder) [][]int64 {
	var out [][]int64
	for _, l := range o.Lines {
		out = append(out, l.Clawed)
	}
	return out
}

// The refund rule of SPEC 10 in steps: each row applies its refunds in turn
// to a fresh order and checks the last one.
func TestRefundSteps(t *testing.T) {
	bob := Referral{Affiliate: "bob", Via: ledger.ViaClick, LinkEvent: "summit-2026"}
	jane := Referral{Affiliate: "jane", Via: ledger.ViaClick, LinkEvent: "summit-2026"}
	// kim earns 17640 on 3 GUT-REC (44100); bob 9700 on 2 SUM26-REC (19400)
	// and jane 10000 on her course (20000): A = 39400.
	three := func() SoldOrder { return sold([]Line{{"GUT-REC", 3, 14700, 0, 0}}, kim, 0) }
	two := func() SoldOrder {
		return sold([]Line{{"SUM26-REC", 2, 9700, 0, 0}, {"SUM26-JANE-COURSE", 1, 20000, 0, 0}}, bob, 0)
	}
	one := func() SoldOrder { return sold([]Line{{"SUM26-REC", 1, 9700, 0, 0}}, jane, 10476) }
	type want struct {
		clawbacks  []int64
		units      []int64 // the clawbacks' quantities
		refunded   int64   // R afterwards
		itemMoney  []int64 // per line afterwards
		lineMoney  []int64
		excess     int64
		stale      bool
		overRefund bool
	}
	for _, c := range []struct {
		name  string
		order func() SoldOrder
		steps []Refund
		want  want
	}{
		{"a second refund by items of a line takes its own share", three, []Refund{
			{ByUnits: true, Items: []RefundItem{{SKU: "GUT-REC", Quantity: 1}}},
			{ByUnits: true, Items: []RefundItem{{SKU: "GUT-REC", Quantity: 1}}},
		}, want{clawbacks: []int64{-5880}, units: []int64{1}, refunded: 29400, itemMoney: []int64{29400}, lineMoney: []int64{0}}},
		{"refunding the last unit by items takes back the rest exactly", three, []Refund{
			{ByUnits: true, Items: []RefundItem{{SKU: "GUT-REC", Quantity: 2}}},
			{ByUnits: true, Items: []RefundItem{{SKU: "GUT-REC", Quantity: 1}}},
		}, want{clawbacks: []int64{-5880}, units: []int64{1}, refunded: 44100, itemMoney: []int64{44100}, lineMoney: []int64{0}}},
		{"a second refund of money takes its own share", one, []Refund{
			{Money: 2000}, {Money: 2000},
		}, want{clawbacks: []int64{-926}, units: []int64{0}, refunded: 4000, itemMoney: []int64{0}, lineMoney: []int64{4000}}},
		{"a total equal to what is recorded is stale", one, []Refund{
			{Money: 4850, ToTotal: true}, {Money: 4850, ToTotal: true},
		}, want{refunded: 4850, itemMoney: []int64{0}, lineMoney: []int64{4850}, stale: true}},
		{"a larger total adds only what is new", one, []Refund{
			{Money: 4850, ToTotal: true}, {Money: 7275, ToTotal: true},
		}, want{clawbacks: []int64{-1123}, units: []int64{0}, refunded: 7275, itemMoney: []int64{0}, lineMoney: []int64{7275}}},
		{"the same SKU twice with money gives the line both", two, []Refund{
			{Items: []RefundItem{{SKU: "SUM26-REC", Quantity: 1, MoneyCap: 9700}, {SKU: "SUM26-REC", Quantity: 1, MoneyCap: 9700}}, Money: 19400},
		}, want{clawbacks: []int64{-9700}, units: []int64{2}, refunded: 19400, itemMoney: []int64{19400, 0}, lineMoney: []int64{0, 0}}},
		{"an item after the same SKU twice is refunded too", two, []Refund{
			{ByUnits: true, Items: []RefundItem{{SKU: "SUM26-REC", Quantity: 1}, {SKU: "SUM26-REC", Quantity: 1}, {SKU: "SUM26-JANE-COURSE", Quantity: 1}}},
		}, want{clawbacks: []int64{-9700, -10000}, units: []int64{2, 1}, refunded: 39400, itemMoney: []int64{19400, 20000}, lineMoney: []int64{0, 0}}},
		{"items with more money than is left on their line give the rest to the others", two, []Refund{
			{Money: 3940},
			{Items: []RefundItem{{SKU: "SUM26-REC", Quantity: 1, MoneyCap: 19400}}, Money: 19400},
		}, want{clawbacks: []int64{-4850, -970}, units: []int64{1, 0}, refunded: 23340, itemMoney: []int64{17460, 0}, lineMoney: []int64{1940, 3940}}},
		{"an item whose line took money before gets only what is left of its line, the rest goes to the others", two, []Refund{
			{Items: []RefundItem{{SKU: "SUM26-REC", Quantity: 1, MoneyCap: 9700}}, Money: 12000},
			{Items: []RefundItem{{SKU: "SUM26-REC", Quantity: 1, MoneyCap: 9700}}, Money: 9700},
		}, want{clawbacks: []int64{-4474, -375}, units: []int64{1, 0}, refunded: 21700, itemMoney: []int64{18649, 0}, lineMoney: []int64{751, 2300}}},
		{"refunded in full after an item took more than its units' share takes back the rest of its line", two, []Refund{
			{Items: []RefundItem{{SKU: "SUM26-REC", Quantity: 1, MoneyCap: 12000}}, Money: 12000},
			{Money: 27400},
		}, want{clawbacks: []int64{-4850, -10000}, units: []int64{1, 1}, refunded: 39400, itemMoney: []int64{12000, 0}, lineMoney: []int64{7400, 20000}}},
		{"money after a line is wholly refunded by items goes to the other lines only", two, []Refund{
			{Items: []RefundItem{{SKU: "SUM26-REC", Quantity: 2, MoneyCap: 10000}}, Money: 10000},
			{Money: 5000},
		}, want{clawbacks: []int64{-2500}, units: []int64{0}, refunded: 15000, itemMoney: []int64{10000, 0}, lineMoney: []int64{0, 5000}}},
		{"money shared over lines in proportion to what is left of each", two, []Refund{
			{Money: 1000}, {Money: 30000},
		}, want{clawbacks: []int64{-7386, -7614}, units: []int64{0, 0}, refunded: 31000, itemMoney: []int64{0, 0}, lineMoney: []int64{15264, 15736}}},
		{"everything after money has no excess", two, []Refund{
			{Money: 3940}, {ByUnits: true, All: true},
		}, want{clawbacks: []int64{-8730, -9000}, units: []int64{2, 1}, refunded: 39400, itemMoney: []int64{17460, 18000}, lineMoney: []int64{1940, 2000}}},
		{"everything after an item counts the units left", three, []Refund{
			{ByUnits: true, Items: []RefundItem{{SKU: "GUT-REC", Quantity: 1}}}, {ByUnits: true, All: true},
		}, want{clawbacks: []int64{-11760}, units: []int64{2}, refunded: 44100, itemMoney: []int64{44100}, lineMoney: []int64{0}}},
		{"the rest in money after an item counts the units left", three, []Refund{
			{ByUnits: true, Items: []RefundItem{{SKU: "GUT-REC", Quantity: 1}}}, {Money: 29400},
		}, want{clawbacks: []int64{-11760}, units: []int64{2}, refunded: 44100, itemMoney: []int64{14700}, lineMoney: []int64{29400}}},
		{"money beyond what was paid is excess", one, []Refund{
			{Money: 10000}, {Money: 1000},
		}, want{clawbacks: []int64{-220}, units: []int64{1}, refunded: 10476, itemMoney: []int64{0}, lineMoney: []int64{10476}, excess: 524}},
		{"everything when everything is refunded is an over-refund", one, []Refund{
			{Money: 10476}, {ByUnits: true, All: true},
		}, want{overRefund: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := c.order()
			var r Refunded
			var err error
			for i, s := range c.steps {
				s.ID, s.At = "r", at
				r, err = ApplyRefund(o, s)
				if i < len(c.steps)-1 {
					if err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
					o = r.Order
				}
			}
			var over *OverRefundError
			if c.want.overRefund {
				if !errors.As(err, &over) {
					t.Fatalf("err %v, want an over-refund", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var units []int64
			for _, cb := range r.Clawbacks {
				units = append(units, cb.Quantity)
			}
			var im, lm []int64
			for _, l := range r.Order.Lines {
				im, lm = append(im, l.ItemMoney), append(lm, l.Money)
				if len(l.Clawed) != len(l.Earned) {
					t.Errorf("%s: %d clawed amounts for %d commissions", l.SKU, len(l.Clawed), len(l.Earned))
				}
			}
			got := want{clawbacks: amounts(r.Clawbacks), units: units, refunded: r.Order.Refunded, itemMoney: im, lineMoney: lm, excess: r.Excess, stale: r.Stale}
			if !slices.Equal(got.clawbacks, c.want.clawbacks) || !slices.Equal(got.units, c.want.units) || got.refunded != c.want.refunded ||
				!slices.Equal(got.itemMoney, c.want.itemMoney) || !slices.Equal(got.lineMoney, c.want.lineMoney) || got.excess != c.want.excess || got.stale != c.want.stale {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// A record of the older rule refunded in full by money has every unit
// refunded too (SPEC 10: once R reaches A), so a refund of everything is an
// over-refund and more money records nothing.
func TestOlderRecordRefundedInFullByMoney(t *testing.T) {
	o := sold([]Line{{"SUM26-REC", 2, 9700, 0, 0}}, Referral{Affiliate: "jane", Via: ledger.ViaClick}, 0)
	o.Rule, o.Refunded = 0, 19400
	_, err := ApplyRefund(o, Refund{ID: "r", At: at, ByUnits: true, All: true})
	var over *OverRefundError
	if !errors.As(err, &over) {
		t.Errorf("everything again: err %v, want an over-refund", err)
	}
	r, err := ApplyRefund(o, Refund{ID: "r", At: at, Money: 100})
	if err != nil || len(r.Clawbacks)+len(r.Unclawed) != 0 || r.Excess != 100 {
		t.Errorf("more money: %+v, %v; want nothing recorded and 100 excess", r, err)
	}
}

// A record of the older rule refunded by items and by money apart is read
// into this rule's terms: what was taken stays taken, and the rest follows.
func TestOlderRecordOfItemsAndMoney(t *testing.T) {
	o := sold([]Line{{"GUT-REC", 3, 14700, 0, 0}}, kim, 0)
	o.Rule, o.Lines[0].Refunded, o.Refunded = 0, 1, 4410 // one unit by items; 10% in money
	r, err := ApplyRefund(o, Refund{ID: "r", At: at, Money: 4410})
	if err != nil {
		t.Fatal(err)
	}
	l := r.Order.Lines[0]
	// Before: 5880 for the unit and 1764 for the money, of 17640; then
	// 4410 more of the line's 44100: round(17640 × 8820/44100) − 1764.
	if got := amounts(r.Clawbacks); !slices.Equal(got, []int64{-1764}) || l.ItemMoney != 14700 || l.Money != 8820 ||
		r.Order.Refunded != 14700+8820 || l.Clawed[0] != 5880+1764+1764 {
		t.Errorf("clawbacks %v, line %+v, R %d", got, l, r.Order.Refunded)
	}
}

// When the checkout says what each line cost with tax, A is their sum.
func TestLinesThatSayWhatWasPaid(t *testing.T) {
	o := sold([]Line{{"SUM26-REC", 1, 9700, 0, 10476}, {"RET26-TRN", 1, 4700, 0, 5076}}, Referral{Affiliate: "jane", Via: ledger.ViaClick}, 0)
	for i := range o.Lines {
		o.Lines[i].PaidCents = []int64{10476, 5076}[i]
	}
	r, err := ApplyRefund(o, Refund{ID: "r", At: at, Money: 7776})
	if err != nil {
		t.Fatal(err)
	}
	// Half of A = 15552, shared 5238 and 2538: half of each commission.
	if got := amounts(r.Clawbacks); !slices.Equal(got, []int64{-2425, -1175}) || r.Order.Paid != 15552 {
		t.Errorf("clawbacks %v, A %d; want [-2425 -1175], 15552", got, r.Order.Paid)
	}
}

// A record of the older rule is read with each line's money at most what
// was paid for it, and a free order (A = 0) is read without dividing by 0.
func TestOlderRecordsKeepEachLineWithinItsShare(t *testing.T) {
	o := sold([]Line{{"GUT-REC", 2, 14700, 0, 0}}, kim, 0)
	o.Rule, o.Lines[0].Refunded, o.Refunded = 0, 1, 23520 // one unit by items; 80% in money
	r, err := ApplyRefund(o, Refund{ID: "r", At: at, Money: 100})
	if err != nil {
		t.Fatal(err)
	}
	if l := r.Order.Lines[0]; l.ItemMoney != 14700 || l.Money != 14700 || r.Order.Refunded != 29400 || r.Excess != 100 {
		t.Errorf("line %+v, R %d, excess %d; want 14700 by items and 14700 by money, R = A = 29400", l, r.Order.Refunded, r.Excess)
	}
	free := sold([]Line{{"SUM26-REC", 1, 0, 0, 0}}, kim, 0)
	free.Rule = 0
	if r, err := ApplyRefund(free, Refund{ID: "r", At: at, ByUnits: true, Items: []RefundItem{{SKU: "SUM26-REC", Quantity: 1}}}); err != nil || r.Order.Lines[0].Refunded != 1 {
		t.Errorf("a free order's refund: %+v, %v", r, err)
	}
}

// A refund records, for each commission of a line it touched that it takes
// nothing from, the units and money it refunded there (products sold counts
// them), and nothing for a line it refunded nothing of.
func TestUnclawedRecordsWhatARefundRefundedWithoutTakingBack(t *testing.T) {
	one := func() SoldOrder {
		return sold([]Line{{"SUM26-REC", 1, 9700, 0, 0}}, Referral{Affiliate: "jane", Via: ledger.ViaClick}, 10476)
	}
	cents := func() SoldOrder { return sold([]Line{{"GUT-TRN", 4, 1, 0, 0}}, kim, 0) } // 1 cent earned
	two := func() SoldOrder {
		return sold([]Line{{"SUM26-REC", 2, 9700, 0, 0}, {"SUM26-JANE-COURSE", 1, 20000, 0, 0}}, Referral{Affiliate: "bob", Via: ledger.ViaClick}, 0)
	}
	for _, c := range []struct {
		name      string
		order     func() SoldOrder
		steps     []Refund
		clawbacks []int64
		unclawed  [][2]int64 // units and basis of each record
	}{
		{"money too little to take back any commission still counts as money refunded", one,
			[]Refund{{Money: 1}}, nil, [][2]int64{{0, 1}}},
		{"units refunded with no money still count as units refunded", cents,
			[]Refund{{Items: []RefundItem{{SKU: "GUT-TRN", Quantity: 1}}}}, nil, [][2]int64{{1, 0}}},
		{"refunded in full records nothing for a line refunded in full before", two,
			[]Refund{{ByUnits: true, Items: []RefundItem{{SKU: "SUM26-REC", Quantity: 2}}}, {ByUnits: true, All: true}},
			[]int64{-10000}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := c.order()
			var r Refunded
			for i, s := range c.steps {
				s.ID, s.At = "r", at
				var err error
				if r, err = ApplyRefund(o, s); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				o = r.Order
			}
			var got [][2]int64
			for _, u := range r.Unclawed {
				if u.AmountCents != 0 {
					t.Errorf("unclawed record %+v takes back %d", u, -u.AmountCents)
				}
				got = append(got, [2]int64{u.Quantity, u.BasisCents})
			}
			if !slices.Equal(amounts(r.Clawbacks), c.clawbacks) || !slices.Equal(got, c.unclawed) {
				t.Errorf("clawbacks %v, unclawed %v; want %v, %v", amounts(r.Clawbacks), got, c.clawbacks, c.unclawed)
			}
		})
	}
}
