package coldstart_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tallyhq/tally/infra/coldstart"
	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/lambdas"
)

// knownToGrow are the functions whose cold first invocation still reads
// more with 1,004 affiliates than with 4, each with what it reads. The
// list only shrinks: a function on it that no longer grows fails the test
// until it is taken off.
var knownToGrow = map[string]string{
	"AdminBalancesFunction": "a page of 100 affiliates' items (1,004 affiliates: 100 of them, 4: 4), then the ledgers of those on it with one: bounded by the page, not the program",
}

// The sizes compared: the demo's three affiliates and crowd-0000, then a
// thousand more.
const few, many = 0, 1000

// slack is how many more bytes a cold start may read at the larger size
// and still not grow: one per added affiliate. Reading every affiliate
// costs far more (an affiliate's item is over 100 bytes); less is noise,
// such as which random shards the day counters a page sums were written to.
const slack = many - few

var surveys struct {
	sync.Mutex
	by map[int][]coldstart.Result
}

// survey runs every function cold at a size once per test binary.
func survey(t *testing.T, crowd int) []coldstart.Result {
	t.Helper()
	surveys.Lock()
	defer surveys.Unlock()
	if r, ok := surveys.by[crowd]; ok {
		return r
	}
	r := coldstart.Run(t, crowd)
	if surveys.by == nil {
		surveys.by = map[int][]coldstart.Result{}
	}
	surveys.by[crowd] = r
	return r
}

// Every DynamoDB call a function makes on its cold first invocation, at 4
// affiliates and at 1,004, is one its policy in template.yaml allows: the
// action, on the table or the index, for that partition key (SPEC 14: each
// function reaches only the keys it needs).
func TestEveryCallIsOneItsPolicyAllows(t *testing.T) {
	raw, err := sam.LoadRepoRaw()
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	for _, crowd := range []int{few, many} {
		for _, r := range survey(t, crowd) {
			for _, v := range coldstart.Violations(raw.FunctionStatements(r.Function.ID), append(r.Calls, r.VariantCalls...)) {
				problems = append(problems, fmt.Sprintf("%s (%d affiliates): %s", r.Function.ID, 4+crowd, v))
			}
		}
	}
	problems = unique(problems)
	if len(problems) > 0 {
		t.Errorf("calls the functions' policies in template.yaml do not allow (on AWS: AccessDeniedException):\n%s", strings.Join(problems, "\n"))
	}
}

// A function's cold start and first invocation read no more bytes with
// 1,004 affiliates than with 4 (SPEC 15: the rules, whose size does not
// depend on the number of affiliates, and the affiliates it names), but
// for noise (slack), except the functions of knownToGrow.
func TestColdStartsDoNotGrowWithAffiliates(t *testing.T) {
	small, large := survey(t, few), survey(t, many)
	if len(small) != len(lambdas.All) || len(large) != len(lambdas.All) {
		t.Fatalf("surveyed %d and %d functions of %d", len(small), len(large), len(lambdas.All))
	}
	var table strings.Builder
	fmt.Fprintf(&table, "%-36s %6s %9s %8s | %6s %9s %8s  %s\n", "function", "req 4", "RRU 4", "bytes 4", "1,004", "RRU", "bytes", "")
	var grow, stopped []string
	for i, s := range small {
		l := large[i]
		id := s.Function.ID
		grows := l.Cost.ReadBytes > s.Cost.ReadBytes+slack
		mark := ""
		if grows {
			mark = "grows"
		}
		fmt.Fprintf(&table, "%-36s %6d %9.1f %8d | %6d %9.1f %8d  %s\n", strings.TrimSuffix(id, "Function"),
			s.Cost.Total(), s.Cost.AWSReadUnits(), s.Cost.ReadBytes, l.Cost.Total(), l.Cost.AWSReadUnits(), l.Cost.ReadBytes, mark)
		_, known := knownToGrow[id]
		switch {
		case grows && !known:
			grow = append(grow, fmt.Sprintf("%s: %d bytes at 4 affiliates, %d at 1,004 (%v; %v)", id, s.Cost.ReadBytes, l.Cost.ReadBytes, l.Cost, prefixes(l.Calls)))
		case !grows && known:
			stopped = append(stopped, fmt.Sprintf("%s: %d bytes at 4 affiliates, %d at 1,004: take it off knownToGrow", id, s.Cost.ReadBytes, l.Cost.ReadBytes))
		}
	}
	t.Logf("cold start and first invocation of every function (requests, read units, bytes read):\n%s", table.String())
	for id := range knownToGrow {
		if _, ok := lambdas.Find(id); !ok {
			stopped = append(stopped, id+": on knownToGrow, but no function of lambdas.All")
		}
	}
	sort.Strings(stopped)
	if len(grow) > 0 {
		t.Errorf("cold starts that read more with 1,004 affiliates than with 4 (SPEC 15):\n%s", strings.Join(grow, "\n"))
	}
	if len(stopped) > 0 {
		t.Errorf("functions on knownToGrow that no longer grow:\n%s", strings.Join(stopped, "\n"))
	}
}

// prefixes are the distinct key prefixes calls touched, for a failure's
// message.
func prefixes(calls []coldstart.Call) []string {
	var out []string
	for _, c := range calls {
		where := ""
		if c.Index != "" {
			where = "@" + c.Index
		}
		out = append(out, c.Action+" "+coldstart.Prefix(c.Key)+where)
	}
	return unique(out)
}

func unique(l []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range l {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
