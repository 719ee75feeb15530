package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const list = "# Testing\n\n" +
	"- `shared/domain/money/money.go:52:12` CONDITIONALS_BOUNDARY `neg := (a < 0) != (b < 0)`: a 0 product has no sign.\n" +
	"- `shared/domain/money/money.go:77:7` CONDITIONALS_BOUNDARY `if x < 0 {`: -0 is 0.\n" +
	"Not an entry: `shared/domain/money/money.go:1:1` ARITHMETIC_BASE `x`: prose.\n"

const results = `{"files": [{"file_name": "money.go", "mutations": [
 {"type": "CONDITIONALS_BOUNDARY", "status": "LIVED", "line": 60, "column": 12},
 {"type": "CONDITIONALS_BOUNDARY", "status": "LIVED", "line": 60, "column": 23},
 {"type": "ARITHMETIC_BASE", "status": "KILLED", "line": 61, "column": 3},
 {"type": "INVERT_NEGATIVES", "status": "TIMED OUT", "line": 61, "column": 5},
 {"type": "INVERT_LOGICAL", "status": "NOT COVERED", "line": 62, "column": 9}]}]}`

func source(string) []string {
	lines := make([]string, 62)
	lines[59] = "\tneg := (a < 0) != (b < 0)" // line 60: moved from 52
	lines[60] = "\treturn -x"
	lines[61] = "\tif a && b {"
	return lines
}

func TestListedMutantsMatchByTextNotLineAndUnlistedOnesAreReported(t *testing.T) {
	l := parseList(list)
	if len(l) != 2 {
		t.Fatalf("parsed %d entries, want 2: %+v", len(l), l)
	}
	var r result
	if err := json.Unmarshal([]byte(results), &r); err != nil {
		t.Fatal(err)
	}
	c, survivors := tally("shared/domain/money", r, source)
	if want := (counts{Killed: 1, Lived: 2, TimedOut: 1, NotCovered: 1}); c != want {
		t.Errorf("counts %+v, want %+v", c, want)
	}
	if got := c.Efficacy(); got < 33.33 || got > 33.34 {
		t.Errorf("efficacy %.2f, want 33.33 (killed over killed and lived)", got)
	}
	missing, stale := unlisted(survivors, l)
	var got []string
	for _, m := range missing {
		got = append(got, m.String())
	}
	want := []string{
		"shared/domain/money/money.go:60:23 CONDITIONALS_BOUNDARY LIVED `neg := (a < 0) != (b < 0)`",
		"shared/domain/money/money.go:62:9 INVERT_LOGICAL NOT COVERED `if a && b {`",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("unlisted\n%q\nwant\n%q", got, want)
	}
	if len(stale) != 1 || stale[0].Line != 77 {
		t.Errorf("stale %+v, want the entry of line 77", stale)
	}
}

func TestARunOfSomePackagesKeepsOnlyTheirEntries(t *testing.T) {
	l := parseList(list + "- `shared/domain/payout/payout.go:178:22` CONDITIONALS_BOUNDARY `if d < from {`: same date.\n")
	if got := ofPackages(l, []string{"payout"}); len(got) != 1 || got[0].File != "shared/domain/payout/payout.go" {
		t.Errorf("entries of payout: %+v", got)
	}
	if got := ofPackages(l, []string{"money", "payout"}); len(got) != 3 {
		t.Errorf("entries of money and payout: %d, want 3", len(got))
	}
}

func TestAChangedLineIsNoLongerListed(t *testing.T) {
	l := parseList(list)
	m := mutant{File: "shared/domain/money/money.go", Line: 52, Column: 12, Type: "CONDITIONALS_BOUNDARY", Code: "neg := (a <= 0) != (b < 0)"}
	if missing, _ := unlisted([]mutant{m}, l); len(missing) != 1 {
		t.Errorf("a mutant on a changed line counted as listed")
	}
}

func TestFloors(t *testing.T) {
	f, err := parseFloors("money=97.5,ledger=100")
	if err != nil || f["money"] != 97.5 || f["ledger"] != 100 {
		t.Errorf("parseFloors = %v, %v", f, err)
	}
	if _, err := parseFloors("money"); err == nil {
		t.Error("a floor without a figure was accepted")
	}
	// 132 of 135 is 97.777...%, printed 97.78%: a floor of that figure is met.
	if c := (counts{Killed: 132, Lived: 3}); c.Under(97.78) || !c.Under(97.79) {
		t.Errorf("132 killed, 3 lived: under 97.78 %v, under 97.79 %v; want false, true", c.Under(97.78), c.Under(97.79))
	}
	if c := (counts{Killed: 12}); c.Under(100) {
		t.Error("all killed is under a floor of 100")
	}
	if got := (counts{}).Efficacy(); got != 100 {
		t.Errorf("efficacy with nothing run = %v, want 100", got)
	}
}

func TestMutateReplacesTheTokenAtItsPosition(t *testing.T) {
	src := []byte("package p\n\nfunc f(a, b int) bool {\n\tswitch {\n\tcase a < b && b > 0:\n\t\treturn true\n\t}\n\tfor {\n\t\tcontinue\n\t}\n}\n")
	for _, c := range []struct {
		line, col int
		typ, want string
	}{
		{5, 9, "CONDITIONALS_BOUNDARY", "\tcase a <= b && b > 0:"},
		{5, 9, "CONDITIONALS_NEGATION", "\tcase a >= b && b > 0:"},
		{5, 13, "INVERT_LOGICAL", "\tcase a < b || b > 0:"},
		{9, 3, "INVERT_LOOPCTRL", "\t\tbreak"},
	} {
		out, err := mutate(src, c.line, c.col, c.typ)
		if err != nil {
			t.Fatalf("%d:%d %s: %v", c.line, c.col, c.typ, err)
		}
		lines := strings.Split(string(out), "\n")
		if lines[c.line-1] != c.want {
			t.Errorf("%d:%d %s: %q, want %q", c.line, c.col, c.typ, lines[c.line-1], c.want)
		}
	}
	if _, err := mutate(src, 5, 11, "INVERT_LOGICAL"); err == nil {
		t.Error("a mutator applied to a token it does not change")
	}
}
