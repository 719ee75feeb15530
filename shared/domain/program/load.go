package program

import (
	"fmt"
	"sort"
	"strings"
)

// Load is what loading a program file does to the affiliates already in
// the table (SPEC 15): the file writes its own and turns into former the
// ones it listed before and no longer lists; it never touches one the
// dashboard or an import made.
type Load struct {
	Write    []Affiliate // the file's affiliates to write, in file order
	Former   []Affiliate // file affiliates the file no longer lists
	Warnings []string
}

// PlanLoad decides a load of file over the program in the table (nil when
// none is loaded). A file that lists an affiliate made elsewhere, removes a
// plan or event some affiliate it does not manage still uses, names a
// speaker nobody is, or gives another affiliate's coupon code, is refused
// with every problem.
func PlanLoad(file, table *Program) (Load, error) {
	var ld Load
	var probs problems
	inTable := map[string]Affiliate{}
	var elsewhere []Affiliate // current affiliates the file does not manage
	if table != nil {
		for _, a := range table.Affiliates {
			inTable[a.Code] = a
		}
		for _, a := range table.Former {
			if _, ok := inTable[a.Code]; !ok {
				inTable[a.Code] = a
			}
		}
	}
	listed := map[string]bool{}
	var madeElsewhere []string
	for i, a := range file.Affiliates {
		listed[a.Code] = true
		t, ok := inTable[a.Code]
		switch {
		case !ok || t.ManagedBy() == OriginFile:
			a.Origin, a.Made = OriginFile, OriginFile
			ld.Write = append(ld.Write, a)
		case t.MadeIn() == OriginFile:
			ld.Warnings = append(ld.Warnings, fmt.Sprintf("affiliates[%d]: %q was changed on the dashboard, which manages it now: the file's values for it are ignored", i, a.Code))
		default:
			madeElsewhere = append(madeElsewhere, a.Code)
		}
	}
	if n := len(madeElsewhere); n > 0 {
		probs.add("affiliates", "%d %s added on the dashboard or by import, not in this file (%s): remove %s from the file",
			n, plural(n, "affiliate was", "affiliates were"), strings.Join(madeElsewhere, ", "), plural(n, "it", "them"))
	}
	if table != nil {
		for _, a := range table.Affiliates {
			switch {
			case a.ManagedBy() != OriginFile:
				elsewhere = append(elsewhere, a)
			case !listed[a.Code]:
				ld.Former = append(ld.Former, retireFromFile(a))
			}
		}
	}
	// What the affiliates the file does not manage still use.
	plans, events := map[string]int{}, map[string]int{}
	for _, a := range elsewhere {
		if _, ok := file.Plan(a.Plan); !ok {
			plans[a.Plan]++
		}
		for _, ev := range a.Events {
			if _, ok := file.Event(ev); !ok {
				events[ev]++
			}
		}
	}
	for _, id := range sortedCounts(plans) {
		probs.add("plans", "plan %q is not in the file, but %d %s still on it", id, plans[id], plural(plans[id], "affiliate is", "affiliates are"))
	}
	for _, ev := range sortedCounts(events) {
		probs.add("events", "event %q is not in the file, but %d %s still enrolled in it", ev, events[ev], plural(events[ev], "affiliate is", "affiliates are"))
	}
	// A speaker may be any affiliate, wherever it was made.
	for i, pr := range file.Products {
		if pr.Speaker == "" || listed[pr.Speaker] {
			continue
		}
		if _, ok := inTable[pr.Speaker]; !ok {
			probs.add(fmt.Sprintf("products[%d].speaker", i), "unknown affiliate %q", pr.Speaker)
		}
	}
	// Coupon codes are unique across the file and the table.
	owner := map[string]string{}
	for _, a := range elsewhere {
		for _, c := range a.Coupons {
			owner[CouponKey(c)] = a.Code
		}
	}
	for i, a := range file.Affiliates {
		for j, c := range a.Coupons {
			if o, ok := owner[CouponKey(c)]; ok && o != a.Code {
				probs.add(fmt.Sprintf("affiliates[%d].coupons[%d]", i, j), "%q is affiliate %q's code", c, o)
			}
		}
	}
	// An owner signs in by address: no affiliate may share it.
	for i, o := range file.Owners {
		for _, a := range elsewhere {
			if o.Email != "" && strings.EqualFold(strings.TrimSpace(a.Email), strings.TrimSpace(o.Email)) {
				probs.add(fmt.Sprintf("owners[%d].email", i), "is affiliate %q's address too: one address signs in as one person", a.Code)
			}
		}
	}
	if len(probs) > 0 {
		return Load{}, &Invalid{Problems: probs}
	}
	return ld, nil
}

// retireFromFile is a file affiliate the file no longer lists: former, and
// still the file's, so listing it again brings it back.
func retireFromFile(a Affiliate) Affiliate {
	a.Active, a.Events, a.Coupons, a.APIKey = new(false), nil, nil, ""
	return a
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func sortedCounts(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
