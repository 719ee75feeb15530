package main

import "fmt"

// Check is one budget and whether the run kept it.
type Check struct {
	Budget string `json:"budget"`
	OK     bool   `json:"ok"`
	Got    string `json:"got"`
}

// checks holds a run to the budgets: a click is one request and at
// most one write unit (a tagged one two), a bot click none, an order's requests do not grow
// with its lines, a replay writes nothing, a report reads the same however
// much else the table holds, nothing scans, and under load nothing fails
// and every click and commission is accounted for.
func checks(r Report) []Check {
	byOp := map[string]Cost{}
	for _, c := range r.Costs {
		byOp[c.Operation] = c
	}
	var out []Check
	add := func(budget string, ok bool, got string, args ...any) {
		out = append(out, Check{Budget: budget, OK: ok, Got: fmt.Sprintf(got, args...)})
	}
	cost := func(op string) (Cost, bool) { c, ok := byOp[op]; return c, ok }

	c, ok := cost(opClick)
	add("click: 1 request, at most 1 write unit", ok && c.Total == 1 && c.WriteUnits <= 1, "%d requests, %.1f write units", c.Total, c.WriteUnits)
	c, ok = cost(opTagged)
	// A tagged click writes its event's total and, beside it, its tag (SPEC
	// 14: totals never read tags), each at most one unit.
	add("tagged click: 2 requests, at most 2 write units", ok && c.Total == 2 && c.WriteUnits <= 2, "%d requests, %.1f write units", c.Total, c.WriteUnits)
	for _, shards := range []int{1, 8} {
		c, ok = cost(opTagStats(shards, "sub"))
		add(fmt.Sprintf("link-stats by tag, %d tags x %d shard(s): measured", benchTags, shards), ok && c.Total >= 1 && c.Requests["Scan"] == 0,
			"%d requests, %.1f read units", c.Total, c.ReadUnits)
	}
	c, ok = cost(opBot)
	add("bot click: 0 requests", ok && c.Total == 0, "%d requests", c.Total)
	first, ok := cost(opOrder(orderLines[0]))
	flat, got := ok, ""
	for _, n := range orderLines {
		c, ok := cost(opOrder(n))
		flat = flat && ok && c.Total == first.Total
		got += fmt.Sprintf("%d lines: %d; ", n, c.Total)
	}
	add("order: requests flat in line count", flat, "%s", got[:max(0, len(got)-2)])
	for _, pair := range [][2]string{{opStripeOrder, opOrder(3)}, {opShopifyOrder, opClickOrder}} {
		op, like := pair[0], pair[1]
		c, ok := cost(op)
		native, okN := cost(like)
		ok = ok && okN
		add(op+": the DynamoDB requests of a native "+like, ok && c.Total == native.Total && c.WriteUnits == native.WriteUnits,
			"%d requests, %.1f write units; native: %d, %.1f", c.Total, c.WriteUnits, native.Total, native.WriteUnits)
	}
	c, ok = cost(opReplay)
	add("replayed order: 0 write units", ok && c.WriteUnits == 0, "%.1f write units", c.WriteUnits)
	for _, v := range reportViews {
		a, okA := cost(opReport(v))
		b, okB := cost(opReport(v) + crowdedTag)
		add("report "+v+": reads unchanged by unrelated data", okA && okB && a.Total == b.Total && a.ReadUnits == b.ReadUnits,
			"%d requests, %.1f read units; crowded: %d requests, %.1f read units", a.Total, a.ReadUnits, b.Total, b.ReadUnits)
	}
	add("no Scan anywhere", len(r.Requests) > 0 && r.Requests["Scan"] == 0, "%d Scan of %d requests", r.Requests["Scan"], total(r.Requests))
	if l := r.Load; l != nil {
		add("load: 0 errors", l.Errors == 0 && l.LoggedErrors == 0, "%d failed requests, %d logged errors", l.Errors, l.LoggedErrors)
		add("load: every click counted", l.HitsCounted == int64(l.Clicks), "%d of %d", l.HitsCounted, l.Clicks)
		add("load: every commission recorded", l.EntriesWritten == l.Orders && l.CommissionSum == l.CommissionWant,
			"%d entries for %d orders, %d of %d cents", l.EntriesWritten, l.Orders, l.CommissionSum, l.CommissionWant)
	} else {
		add("load: measured", false, "no load figures")
	}
	for _, s := range r.Scales {
		at := fmt.Sprintf(" at %d affiliates", s.Affiliates)
		add("warm click: 1 request"+at, s.WarmClick.Total == 1, "%d requests", s.WarmClick.Total)
		add("first click on an affiliate: 2 requests"+at, s.FirstClick.Total == 2, "%d requests", s.FirstClick.Total)
		for _, pg := range s.OwnerPages {
			add(pg.View+": at most 5 requests and 100 read units"+at, pg.Warm.Total <= 5 && pg.Warm.ReadUnits <= 100,
				"%d requests, %.1f read units", pg.Warm.Total, pg.Warm.ReadUnits)
		}
		add("owner's pages measured"+at, len(s.OwnerPages) == 3, "%d views", len(s.OwnerPages))
		// A page of balances: its affiliates, their payee markers, then the
		// ledgers (and payouts) of those with one.
		add("/admin/balances page: reads the ledgers of its affiliates with one"+at,
			s.Balances.Rows > 0 && s.Balances.Warm.Total <= 2+2*s.BalancesLedgers,
			"%d requests for %d rows, %d with a ledger", s.Balances.Warm.Total, s.Balances.Rows, s.BalancesLedgers)
	}
	if n := len(r.Scales); n > 1 {
		small, big := r.Scales[0], r.Scales[n-1]
		add(fmt.Sprintf("rules cold start: the same bytes at %d and %d affiliates", small.Affiliates, big.Affiliates),
			small.ColdRulesBytes == big.ColdRulesBytes && small.ColdRules.Total == big.ColdRules.Total,
			"%d and %d bytes, %d and %d requests", small.ColdRulesBytes, big.ColdRulesBytes, small.ColdRules.Total, big.ColdRules.Total)
	}
	for _, c := range r.ColdStarts {
		if c.Error != "" {
			add("cold start: "+c.Function+" answers", false, "%s", c.Error)
		}
	}
	return out
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// failed lists the budgets not kept.
func failed(cs []Check) []Check {
	var out []Check
	for _, c := range cs {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}
