package rollup

import (
	"fmt"
	"testing"

	"github.com/tallyhq/tally/shared/domain/ledger"
)

func TestPaddedSequencesCompareAsNumbers(t *testing.T) {
	for _, c := range []struct{ a, b string }{{"9", "10"}, {"99", "100"}, {"4000000000000000001", "40000000000000000010"}} {
		if !(Seq(c.a) < Seq(c.b)) {
			t.Errorf("Seq(%s) >= Seq(%s)", c.a, c.b)
		}
	}
}

func TestACounterAddsItsNewNumbersLessItsOld(t *testing.T) {
	for _, c := range []struct {
		name    string
		old, nw StatCounts
		want    Counts
		changed bool
	}{
		{"a first hit", StatCounts{}, StatCounts{Hits: 1}, Counts{Hits: 1}, true},
		{"an order on a counted day", StatCounts{Hits: 5}, StatCounts{Hits: 5, Orders: 1, RevenueCents: 9700}, Counts{Orders: 1, RevenueCents: 9700}, true},
		{"a refund lowers revenue", StatCounts{Orders: 1, RevenueCents: 9700}, StatCounts{Orders: 1, RevenueCents: 4850}, Counts{RevenueCents: -4850}, true},
		{"nothing changed", StatCounts{Hits: 2}, StatCounts{Hits: 2}, Counts{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, ok := FromStat("STATS#jane", "7", "jane", "2026-11-03", "summit", c.old, c.nw)
			if ok != c.changed || r.Counts != c.want {
				t.Fatalf("got %+v %v, want %+v %v", r.Counts, ok, c.want, c.changed)
			}
		})
	}
}

func TestAnEntryCountsAsTheLedgerReportSplitsIt(t *testing.T) {
	for _, c := range []struct {
		typ  string
		want Counts
	}{
		{ledger.TypeReferral, Counts{EarnedCents: 500, NetCents: 500}},
		{ledger.TypeClawback, Counts{ClawbacksCents: 500, NetCents: 500}},
		{ledger.TypeAdjustment, Counts{AdjustmentsCents: 500, NetCents: 500}},
	} {
		r := FromEntry("AFF#jane", "1", "2026-11-03", ledger.Entry{Affiliate: "jane", Type: c.typ, AmountCents: 500})
		if r.Counts != c.want {
			t.Errorf("%s: got %+v, want %+v", c.typ, r.Counts, c.want)
		}
	}
}

func TestAPlanAddsToTheMonthAndAllTimeRowsAndTheDaysTotals(t *testing.T) {
	p := PlanOf([]Record{
		{Seq: "1", Affiliate: "jane", Date: "2026-10-31", Event: "summit", Counts: Counts{Hits: 2}},
		{Seq: "2", Affiliate: "jane", Date: "2026-11-02", Event: "summit", Counts: Counts{Hits: 1}},
		{Seq: "3", Affiliate: "jane", Date: "2026-11-01", Event: "expo", Counts: Counts{Orders: 1, RevenueCents: 100}},
	})
	all := p.Rows[RowKey{All, "jane"}]
	if all.Hits != 3 || all.Orders != 1 || all.LastHit != "2026-11-02" || all.EventHits["summit"] != "2026-11-02" || all.EventHits["expo"] != "" {
		t.Fatalf("all-time row %+v", all)
	}
	if fmt.Sprint(all.Months) != "[2026-10 2026-11]" {
		t.Fatalf("months %v", all.Months)
	}
	if nov := p.Rows[RowKey{"2026-11", "jane"}]; nov.Hits != 1 || nov.LastHit != "2026-11-02" || nov.RevenueCents != 100 {
		t.Fatalf("November %+v", nov)
	}
	if oct := p.Rows[RowKey{"2026-10", "jane"}]; oct.Hits != 2 || oct.LastHit != "2026-10-31" {
		t.Fatalf("October %+v", oct)
	}
	if len(p.Totals) != 3 || p.Totals[TotalKey{"2026-11-01", "expo"}].Orders != 1 || p.Last != "3" {
		t.Fatalf("totals %v last %s", p.Totals, p.Last)
	}
}

func TestChunksKeepEachTransactionWithinItsWrites(t *testing.T) {
	var rs []Record
	for d := 1; d <= 28; d++ {
		for _, ev := range []string{"a", "b", "c", "d", "e"} {
			rs = append(rs, Record{Seq: fmt.Sprint(len(rs)), Affiliate: "jane", Date: fmt.Sprintf("2026-11-%02d", d), Event: ev, Counts: Counts{Hits: 1}})
		}
	}
	chunks := Chunks(rs, 40)
	n := 0
	for _, c := range chunks {
		if PlanOf(c).Items() > 40 || len(c) == 0 {
			t.Fatalf("a chunk of %d records makes %d writes", len(c), PlanOf(c).Items())
		}
		if c[0].Seq != rs[n].Seq {
			t.Fatalf("chunks out of order")
		}
		n += len(c)
	}
	if n != len(rs) || len(chunks) < 4 {
		t.Fatalf("%d records in %d chunks", n, len(chunks))
	}
}

func TestDatesAsNumbersSortAsDates(t *testing.T) {
	if DateNumber("2026-11-03") != 20261103 || NumberDate(20261103) != "2026-11-03" || NumberDate(0) != "" {
		t.Fatal(DateNumber("2026-11-03"), NumberDate(20261103))
	}
}
