package main

import (
	"strings"
	"testing"
)

// within is a run that keeps every budget.
func within() Report {
	r := Report{Requests: map[string]int{"UpdateItem": 3, "Query": 9}, Costs: []Cost{
		{Operation: opClick, Total: 1, WriteUnits: 1},
		{Operation: opBot},
		{Operation: opReplay, Total: 1, ReadUnits: 1},
	}, Load: &Load{Clicks: 10, HitsCounted: 10, Orders: 2, EntriesWritten: 2, CommissionSum: 9700, CommissionWant: 9700}}
	for _, n := range orderLines {
		r.Costs = append(r.Costs, Cost{Operation: opOrder(n), Total: 2, WriteUnits: float64(8 * n)})
	}
	for _, v := range reportViews {
		r.Costs = append(r.Costs, Cost{Operation: opReport(v), Total: 1, ReadUnits: 55}, Cost{Operation: opReport(v) + crowdedTag, Total: 1, ReadUnits: 55})
	}
	r.Costs = append(r.Costs, Cost{Operation: opTagged, Total: 2, WriteUnits: 2},
		Cost{Operation: opTagStats(1, "sub"), Total: 1, ReadUnits: 6}, Cost{Operation: opTagStats(8, "sub"), Total: 1, ReadUnits: 44})
	r.Costs = append(r.Costs, Cost{Operation: opStripeOrder, Total: 2, WriteUnits: 24, StripeCalls: 1},
		Cost{Operation: opShopifyOrder, Total: 3, WriteUnits: 26}, Cost{Operation: opClickOrder, Total: 3, WriteUnits: 26})
	return r
}

func TestBudgets(t *testing.T) {
	if bad := failed(checks(within())); len(bad) != 0 {
		t.Fatalf("a run within budget fails: %+v", bad)
	}
	cases := map[string]func(r *Report){
		"click: 1 request":               func(r *Report) { r.Costs[0].Total = 2 },
		"click: 1 request, at most 1":    func(r *Report) { r.Costs[0].WriteUnits = 2 },
		"bot click":                      func(r *Report) { r.Costs[1].Total = 1 },
		"replayed order":                 func(r *Report) { r.Costs[2].WriteUnits = 2 },
		"order: requests flat":           func(r *Report) { r.Costs[5].Total = 3 },
		"report ledger":                  func(r *Report) { r.Costs[7].ReadUnits = 56 },
		"no Scan":                        func(r *Report) { r.Requests["Scan"] = 1 },
		"load: 0 errors":                 func(r *Report) { r.Load.LoggedErrors = 1 },
		"load: every click":              func(r *Report) { r.Load.HitsCounted = 9 },
		"load: every commission":         func(r *Report) { r.Load.CommissionSum = 9699 },
		"load: measured":                 func(r *Report) { r.Load = nil },
		"cold start: F answers":          func(r *Report) { r.ColdStarts = []ColdStart{{Function: "F", Error: "exited"}} },
		"Stripe order of 3 lines":        func(r *Report) { r.Costs[len(r.Costs)-3].Total = 3 },
		"Shopify order of 3 lines":       func(r *Report) { r.Costs[len(r.Costs)-2].WriteUnits = 28 },
		"tagged click: 2 requests":       func(r *Report) { r.Costs[len(r.Costs)-6].WriteUnits = 3 },
		"link-stats by tag, 20 tags x 8": func(r *Report) { r.Costs = append(r.Costs[:len(r.Costs)-4], r.Costs[len(r.Costs)-3:]...) },
	}
	for budget, spoil := range cases {
		r := within()
		spoil(&r)
		bad := failed(checks(r))
		if len(bad) != 1 || !strings.HasPrefix(bad[0].Budget, budget) {
			t.Errorf("%s: failed %+v", budget, bad)
		}
	}
}

// A missing operation is a failure, not a pass by default.
func TestMissingOperationFails(t *testing.T) {
	r := within()
	r.Costs = r.Costs[1:]
	if bad := failed(checks(r)); len(bad) != 1 || bad[0].Budget != "click: 1 request, at most 1 write unit" {
		t.Fatalf("failed %+v", bad)
	}
}
