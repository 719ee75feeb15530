package payout

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/shared/domain/ledger"
)

var (
	now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	ny  = mustZone("America/New_York")
)

func mustZone(n string) *time.Location {
	l, err := time.LoadLocation(n)
	if err != nil {
		panic(err)
	}
	return l
}

func entry(id string, cents int64, availableOn time.Time) ledger.Entry {
	return ledger.Entry{ID: id, AmountCents: cents, AvailableOn: availableOn, At: availableOn.Add(-14 * 24 * time.Hour)}
}

func claims(m map[string]Claim) ClaimOf { return func(e ledger.Entry) Claim { return m[e.ID] } }

func TestState(t *testing.T) {
	cases := []struct {
		name  string
		avail time.Time
		claim Claim
		want  string
	}{
		{"ahead", now.Add(time.Nanosecond), Claim{}, Held},
		{"exactly at available_on", now, Claim{}, Available},
		{"past", now.Add(-time.Hour), Claim{}, Available},
		{"in a draft", now.Add(-time.Hour), Claim{PayoutID: "p", Status: StatusDraft}, InPayout},
		{"in a payout being created", now.Add(-time.Hour), Claim{PayoutID: "p"}, InPayout},
		{"paid", now.Add(-time.Hour), Claim{PayoutID: "p", Status: StatusPaid}, Paid},
		{"canceled payout gives it back", now.Add(-time.Hour), Claim{PayoutID: "p", Status: StatusCanceled}, Available},
		{"returned item gives it back", now.Add(-time.Hour), Claim{PayoutID: "p", Status: StatusPaid, Returned: true}, Available},
		{"returned but still held", now.Add(time.Hour), Claim{PayoutID: "p", Status: StatusPaid, Returned: true}, Held},
	}
	for _, c := range cases {
		if got := State(c.avail, c.claim, now); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestTakeAtTheMinimum(t *testing.T) {
	past := now.Add(-time.Hour)
	cases := []struct {
		name    string
		es      []ledger.Entry
		min     int64
		ok      bool
		sum     int64
		entries int
	}{
		{"exactly the minimum", []ledger.Entry{entry("a", 5000, past)}, 5000, true, 5000, 1},
		{"one cent under", []ledger.Entry{entry("a", 4999, past)}, 5000, false, 4999, 0},
		{"negatives go with positives", []ledger.Entry{entry("a", 8000, past), entry("b", -1111, past)}, 5000, true, 6889, 2},
		{"held entries stay", []ledger.Entry{entry("a", 6000, past), entry("b", 6000, now.Add(time.Hour))}, 5000, true, 6000, 1},
		{"zero minimum still needs a positive sum", []ledger.Entry{entry("a", -10, past)}, 0, false, -10, 0},
		{"nothing", nil, 0, false, 0, 0},
	}
	for _, c := range cases {
		taken, sum, ok := Take(c.es, claims(nil), now, c.min)
		if ok != c.ok || sum != c.sum || len(taken) != c.entries {
			t.Errorf("%s: ok=%v sum=%d taken=%d, want %v %d %d", c.name, ok, sum, len(taken), c.ok, c.sum, c.entries)
		}
	}
}

// The balance of SPEC section 9's worked example, step by step.
func TestWorkedExampleBalances(t *testing.T) {
	day := 24 * time.Hour
	hold := 14 * day
	order := func(id string, ago time.Duration, cents int64) ledger.Entry {
		at := now.Add(-ago)
		return ledger.Entry{ID: id, At: at, AmountCents: cents, AvailableOn: at.Add(hold)}
	}
	clawback := func(id string, of ledger.Entry) ledger.Entry {
		avail := now
		if of.AvailableOn.After(avail) {
			avail = of.AvailableOn
		}
		return ledger.Entry{ID: id, At: now, AmountCents: -of.AmountCents, AvailableOn: avail}
	}
	o1, o2, o3 := order("o1", 40*day, 5880), order("o2", 20*day, 1111), order("o3", 3*day, 5880)
	es := []ledger.Entry{o1, o2, o3}
	c := map[string]Claim{}
	if b := BalanceOf(es, claims(c), now); b != (Balance{Held: 5880, Available: 6991}) {
		t.Fatalf("step 1: %+v", b)
	}
	es = append(es, clawback("r3", o3))
	if b := BalanceOf(es, claims(c), now); b != (Balance{Held: 0, Available: 6991}) {
		t.Fatalf("step 2: %+v", b)
	}
	if NextRelease(es, claims(c), now, ny) != nil {
		t.Fatal("step 2: held nets to 0, so nothing releases")
	}
	taken, sum, ok := Take(es, claims(c), now, 5000)
	if !ok || sum != 6991 || len(taken) != 2 {
		t.Fatalf("step 3: take %v %d %d", ok, sum, len(taken))
	}
	for _, e := range taken {
		c[e.ID] = Claim{PayoutID: "p1", Status: StatusPaid}
	}
	if b := BalanceOf(es, claims(c), now); b != (Balance{Paid: 6991}) {
		t.Fatalf("step 3: %+v", b)
	}
	es = append(es, clawback("r2", o2))
	if b := BalanceOf(es, claims(c), now); b.Available != -1111 || b.Total() != 5880-5880+6991-1111 {
		t.Fatalf("step 4: %+v", b)
	}
	ok, why := Payable(BalanceOf(es, claims(c), now), 5000, nil, "USD")
	if ok || !strings.Contains(why, "$11.11") {
		t.Fatalf("step 4: %v %q", ok, why)
	}
	es = append(es, order("o4", 20*day, 5880))
	b := BalanceOf(es, claims(c), now)
	if b.Available != 4769 {
		t.Fatalf("step 5: %+v", b)
	}
	if _, _, ok := Take(es, claims(c), now, 5000); ok {
		t.Fatal("step 5: 4769 is under the minimum")
	}
	if ok, why := Payable(b, 5000, nil, "USD"); ok || !strings.Contains(why, "under the minimum payout of $50.00") {
		t.Fatalf("step 5: %q", why)
	}
	es = append(es, order("o5", 20*day, 3333))
	if _, sum, ok := Take(es, claims(c), now, 5000); !ok || sum != 8102 {
		t.Fatalf("step 5: next payout pays %d %v, want 8102", sum, ok)
	}
}

func TestNextRelease(t *testing.T) {
	d := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	es := []ledger.Entry{
		entry("a", 100, d("2026-12-01T03:00:00Z")),  // Nov 30 in New York
		entry("b", -100, d("2026-12-01T04:00:00Z")), // same New York day: nets to 0
		entry("c", 250, d("2026-12-02T15:00:00Z")),
		entry("d", 999, d("2026-11-01T00:00:00Z")), // already available
	}
	got := NextRelease(es, claims(nil), now, ny)
	if got == nil || *got != (Release{Date: "2026-12-02", AmountCents: 250}) {
		t.Fatalf("%+v", got)
	}
	if ok, why := Payable(Balance{Available: 999}, 5000, got, "USD"); ok || !strings.Contains(why, "$2.50 more becomes payable on 2026-12-02") {
		t.Fatalf("%q", why)
	}
}

func TestExportsEscapeAndKeepDecimals(t *testing.T) {
	items := []ExportItem{{ID: "po_1_kim", Affiliate: "kim", Name: "=HYPERLINK(\"x\")", Email: "kim@example.com", AmountCents: 6991, Entries: 2, From: "2026-10-16", To: "2026-11-05"}}
	pp := string(PayPal(items, "USD"))
	if pp != "kim@example.com,69.91,USD,po_1_kim,Commissions 2026-10-16 to 2026-11-05\n" {
		t.Fatalf("paypal: %q", pp)
	}
	csv := string(CSV(items, "JPY"))
	want := "item_id,affiliate,name,email,amount,currency,entries,from,to\npo_1_kim,kim,\"'=HYPERLINK(\"\"x\"\")\",kim@example.com,6991,JPY,2,2026-10-16,2026-11-05\n"
	if csv != want {
		t.Fatalf("csv:\n%s\nwant\n%s", csv, want)
	}
}

func TestPayableReasonWhenMoneyIsInADraft(t *testing.T) {
	ok, why := Payable(Balance{InPayout: 8102}, 5000, nil, "USD")
	if ok || why != "$81.02 is in a payout being prepared; nothing more is payable yet." {
		t.Errorf("%v %q", ok, why)
	}
}

func TestClaimLiveness(t *testing.T) {
	for _, c := range []struct {
		claim          Claim
		live, creating bool
	}{
		{Claim{}, false, false},
		{Claim{PayoutID: "p"}, true, true},
		{Claim{PayoutID: "p", Abandoned: true}, false, false},
		{Claim{PayoutID: "p", Status: StatusDraft}, true, false},
		{Claim{PayoutID: "p", Status: StatusPaid}, true, false},
		{Claim{PayoutID: "p", Status: StatusPaid, Returned: true}, false, false},
		{Claim{PayoutID: "p", Status: StatusCanceled}, false, false},
	} {
		if c.claim.Live() != c.live || c.claim.Creating() != c.creating {
			t.Errorf("%+v: live %v creating %v, want %v %v", c.claim, c.claim.Live(), c.claim.Creating(), c.live, c.creating)
		}
	}
}

// SPEC 9: an affiliate is payable when what is available is positive and
// at least the minimum; otherwise the reason says why, in plain words, and
// when more is released.
func TestPayableAtTheMinimumAndNeverAtZero(t *testing.T) {
	soon := &Release{Date: "2026-12-02", AmountCents: 250}
	for _, c := range []struct {
		name string
		b    Balance
		min  int64
		next *Release
		ok   bool
		why  string
	}{
		{"above the minimum", Balance{Available: 6991}, 5000, nil, true, ""},
		{"exactly the minimum", Balance{Available: 5000}, 5000, soon, true, ""},
		{"a cent under the minimum", Balance{Available: 4999}, 5000, nil, false,
			"Payable commissions ($49.99) are under the minimum payout of $50.00."},
		{"any positive amount with no minimum", Balance{Available: 1}, 0, nil, true, ""},
		{"zero is never payable, even with a minimum of 0", Balance{}, 0, nil, false, "Nothing is payable yet."},
		{"zero with money held says when it comes", Balance{Held: 250}, 0, soon, false,
			"Nothing is payable yet. $2.50 more becomes payable on 2026-12-02."},
		{"a release that nets below zero is not announced", Balance{}, 0, &Release{Date: "2026-12-02", AmountCents: -250}, false,
			"Nothing is payable yet."},
		{"a release of nothing is not announced", Balance{}, 0, &Release{Date: "2026-12-02"}, false,
			"Nothing is payable yet."},
		{"a negative balance is made up first", Balance{Available: -1111}, 0, nil, false,
			"Refunds of orders already paid out leave $11.11 to be made up from future commissions before a payout."},
		{"money in a draft", Balance{InPayout: 8102}, 0, nil, false,
			"$81.02 is in a payout being prepared; nothing more is payable yet."},
		{"money in a draft and some available under the minimum", Balance{Available: 10, InPayout: 8102}, 5000, nil, false,
			"Payable commissions ($0.10) are under the minimum payout of $50.00."},
	} {
		ok, why := Payable(c.b, c.min, c.next, "USD")
		if ok != c.ok || why != c.why {
			t.Errorf("%s: Payable(%+v, %d) = %v, %q; want %v, %q", c.name, c.b, c.min, ok, why, c.ok, c.why)
		}
	}
}

// SPEC 9: held, available, in a payout and paid always add up to the sum
// of all entries.
func TestBalanceCountsEachStateAndAddsUp(t *testing.T) {
	past, ahead := now.Add(-time.Hour), now.Add(time.Hour)
	es := []ledger.Entry{
		entry("held", 100, ahead), entry("avail", 20, past), entry("draft", 3000, past), entry("draft2", 1, past),
		entry("paid", 40000, past), entry("clawback", -5, past), entry("canceled", 7, past),
	}
	c := map[string]Claim{
		"draft": {PayoutID: "p1", Status: StatusDraft}, "draft2": {PayoutID: "p1", Status: StatusDraft}, "paid": {PayoutID: "p0", Status: StatusPaid},
		"canceled": {PayoutID: "p2", Status: StatusCanceled},
	}
	b := BalanceOf(es, claims(c), now)
	if b != (Balance{Held: 100, Available: 22, InPayout: 3001, Paid: 40000}) || b.Total() != 43123 || b.Total() != ledger.Sum(es) {
		t.Errorf("balance %+v, total %d; want 100 held, 22 available, 3001 in a payout, 40000 paid, 43123 in all", b, b.Total())
	}
	defer func() {
		if recover() == nil {
			t.Error("an unknown state was counted")
		}
	}()
	b.Add("lost", 1)
}

// A payout item's period runs from its earliest entry's date to its
// latest, in the program's zone, whatever order the entries come in.
func TestSpanIsTheFirstAndLastDate(t *testing.T) {
	at := func(s string) ledger.Entry { t, _ := time.Parse(time.RFC3339, s); return ledger.Entry{At: t} }
	for _, c := range []struct {
		name     string
		es       []ledger.Entry
		from, to string
	}{
		{"no entries", nil, "", ""},
		{"one entry", []ledger.Entry{at("2026-11-05T12:00:00Z")}, "2026-11-05", "2026-11-05"},
		{"latest first", []ledger.Entry{at("2026-11-05T12:00:00Z"), at("2026-10-16T12:00:00Z"), at("2026-10-20T12:00:00Z")}, "2026-10-16", "2026-11-05"},
		{"earliest first", []ledger.Entry{at("2026-10-16T12:00:00Z"), at("2026-11-05T12:00:00Z"), at("2026-10-20T12:00:00Z")}, "2026-10-16", "2026-11-05"},
		{"dates are New York's", []ledger.Entry{at("2026-11-01T03:00:00Z"), at("2026-11-02T03:00:00Z")}, "2026-10-31", "2026-11-01"},
	} {
		if from, to := Span(c.es, ny); from != c.from || to != c.to {
			t.Errorf("%s: Span = %s..%s, want %s..%s", c.name, from, to, c.from, c.to)
		}
	}
}
