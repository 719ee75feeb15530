// Command mutationcheck reads gremlins' JSON results (one <package>.json per
// rule package in -dir), prints killed, lived, timed out, not covered and
// efficacy per package, and exits non-zero when a mutant lives or is not
// covered that the list of equivalent mutants (-list, docs/testing.md) does
// not name, or when a package's efficacy is under its floor.
//
// Gremlins reports the mutants in a switch's case expressions as not
// covered (Go's cover profile has no block for them, though the tests run
// them), so each mutant it did not run is applied here in a copy of the
// module and its package's tests run (-rerun), and it counts as what they
// make of it.
//
// The list names each mutant as
//
//   - `shared/domain/money/money.go:52:12` CONDITIONALS_BOUNDARY `neg := (a < 0) != (b < 0)`: why
//
// and a mutant matches it by file, column, mutator and the text of its
// source line, not by line number, so code added above it does not make it
// unlisted, while any change to the line itself asks for a new look.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// result is the part of gremlins' output file read here.
type result struct {
	Files []struct {
		Name      string `json:"file_name"`
		Mutations []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
			Line   int    `json:"line"`
			Column int    `json:"column"`
		} `json:"mutations"`
	} `json:"files"`
}

// mutant is one mutant that survived: it lived, or no test ran it.
type mutant struct {
	File   string // from the module root: shared/domain/money/money.go
	Line   int
	Column int
	Type   string
	Status string
	Code   string // its source line, trimmed
}

func (m mutant) String() string {
	return fmt.Sprintf("%s:%d:%d %s %s `%s`", m.File, m.Line, m.Column, m.Type, m.Status, m.Code)
}

// listed is one equivalent mutant named in the list.
type listed struct {
	File   string
	Line   int
	Column int
	Type   string
	Code   string
}

func (l listed) key() string { return fmt.Sprintf("%s:%d %s %s", l.File, l.Column, l.Type, l.Code) }

var entryRE = regexp.MustCompile("^- `(shared/[^`:]+):(\\d+):(\\d+)` ([A-Z_]+) `(.+?)`:")

// parseList reads the equivalent mutants from the list's markdown.
func parseList(text string) []listed {
	var out []listed
	for _, line := range strings.Split(text, "\n") {
		m := entryRE.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		ln, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		out = append(out, listed{File: m[1], Line: ln, Column: col, Type: m[4], Code: strings.TrimSpace(m[5])})
	}
	return out
}

// counts is one package's tally.
type counts struct {
	Killed, Lived, TimedOut, NotCovered, NotViable int
}

// Efficacy is gremlins' figure: killed over killed and lived.
func (c counts) Efficacy() float64 {
	if c.Killed+c.Lived == 0 {
		return 100
	}
	return float64(c.Killed) / float64(c.Killed+c.Lived) * 100
}

// Under says whether the efficacy is under floor, both as printed (to a
// hundredth of a percent): a floor written from a run's printed figure is
// met by a run that does as well.
func (c counts) Under(floor float64) bool {
	return math.Round(c.Efficacy()*100) < math.Round(floor*100)
}

// tally counts one package's results and returns its survivors, their
// source lines read by source (path from the module root -> lines).
func tally(pkgDir string, r result, source func(string) []string) (counts, []mutant) {
	var c counts
	var survivors []mutant
	for _, f := range r.Files {
		path := filepath.ToSlash(filepath.Join(pkgDir, f.Name))
		for _, m := range f.Mutations {
			switch m.Status {
			case "KILLED":
				c.Killed++
			case "TIMED OUT":
				c.TimedOut++
			case "NOT VIABLE":
				c.NotViable++
			case "LIVED", "NOT COVERED":
				if m.Status == "LIVED" {
					c.Lived++
				} else {
					c.NotCovered++
				}
				code := ""
				if lines := source(path); m.Line >= 1 && m.Line <= len(lines) {
					code = strings.TrimSpace(lines[m.Line-1])
				}
				survivors = append(survivors, mutant{File: path, Line: m.Line, Column: m.Column, Type: m.Type, Status: m.Status, Code: code})
			}
		}
	}
	return c, survivors
}

// unlisted returns the survivors the list does not name, and the entries
// of the list that match no survivor (stale: the mutant is gone or killed).
func unlisted(survivors []mutant, list []listed) (missing []mutant, stale []listed) {
	named := map[string]bool{}
	for _, l := range list {
		named[l.key()] = true
	}
	seen := map[string]bool{}
	for _, m := range survivors {
		k := listed{File: m.File, Column: m.Column, Type: m.Type, Code: m.Code}.key()
		if !named[k] {
			missing = append(missing, m)
		}
		seen[k] = true
	}
	for _, l := range list {
		if !seen[l.key()] {
			stale = append(stale, l)
		}
	}
	return missing, stale
}

// ofPackages keeps the entries of the packages run (names as in shared/domain/),
// so a run of some packages does not call the others' entries stale.
func ofPackages(list []listed, pkgs []string) []listed {
	var out []listed
	for _, l := range list {
		for _, p := range pkgs {
			if filepath.ToSlash(filepath.Dir(l.File)) == "shared/domain/"+p {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

func parseFloors(s string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, kv := range strings.Split(s, ",") {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		f, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("floor %q: want package=percent", kv)
		}
		out[k] = f
	}
	return out, nil
}

func readLines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

func main() {
	dir := flag.String("dir", "", "directory of gremlins' <package>.json results")
	listPath := flag.String("list", "docs/testing.md", "the list of equivalent mutants")
	floorFlag := flag.String("floor", "", "package=percent,...: the least efficacy each package may have")
	again := flag.Bool("rerun", true, "apply and test the mutants gremlins reports as not covered")
	timeout := flag.Duration("timeout", 2*time.Minute, "how long one rerun mutant's tests may take")
	flag.Parse()
	floors, err := parseFloors(*floorFlag)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutationcheck:", err)
		os.Exit(2)
	}
	listText, err := os.ReadFile(*listPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutationcheck:", err)
		os.Exit(2)
	}
	list := ofPackages(parseList(string(listText)), flag.Args())
	cache := map[string][]string{}
	source := func(p string) []string {
		if _, ok := cache[p]; !ok {
			cache[p] = readLines(p)
		}
		return cache[p]
	}

	copyDir := ""
	if *again {
		copyDir, err = copyModule(".")
		if err != nil {
			fmt.Fprintln(os.Stderr, "mutationcheck:", err)
			os.Exit(2)
		}
		defer os.RemoveAll(copyDir)
	}

	failed := false
	var all []mutant
	var total counts
	fmt.Printf("%-24s %6s %6s %9s %11s %10s %9s\n", "mutation", "killed", "lived", "timed out", "not covered", "not viable", "efficacy")
	for _, pkg := range flag.Args() {
		data, err := os.ReadFile(filepath.Join(*dir, pkg+".json"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "mutationcheck:", err)
			os.Exit(2)
		}
		var r result
		if err := json.Unmarshal(data, &r); err != nil {
			fmt.Fprintf(os.Stderr, "mutationcheck: %s.json: %v\n", pkg, err)
			os.Exit(2)
		}
		c, survivors := tally("shared/domain/"+pkg, r, source)
		if *again {
			c, survivors = rerunNotCovered(copyDir, c, survivors, *timeout)
		}
		all = append(all, survivors...)
		total.Killed += c.Killed
		total.Lived += c.Lived
		total.TimedOut += c.TimedOut
		total.NotCovered += c.NotCovered
		total.NotViable += c.NotViable
		fmt.Printf("%-24s %6d %6d %9d %11d %10d %8.2f%%\n", "shared/domain/"+pkg, c.Killed, c.Lived, c.TimedOut, c.NotCovered, c.NotViable, c.Efficacy())
		if floor, ok := floors[pkg]; ok && c.Under(floor) {
			fmt.Printf("FAIL shared/domain/%s: efficacy %.2f%% is under its floor of %.2f%%\n", pkg, c.Efficacy(), floor)
			failed = true
		}
	}
	fmt.Printf("%-24s %6d %6d %9d %11d %10d %8.2f%%\n", "all", total.Killed, total.Lived, total.TimedOut, total.NotCovered, total.NotViable, total.Efficacy())

	missing, stale := unlisted(all, list)
	for _, m := range missing {
		fmt.Printf("FAIL survived, not listed in %s: %s\n", *listPath, m)
		failed = true
	}
	for _, l := range stale {
		// Not a failure: a listed mutant may time out on a busy machine.
		fmt.Printf("note: %s lists %s:%d:%d %s, which did not survive this run\n", *listPath, l.File, l.Line, l.Column, l.Type)
	}
	if failed {
		fmt.Printf("mutation: FAILED (%d surviving mutants not listed as equivalent)\n", len(missing))
		os.Exit(1)
	}
	fmt.Printf("mutation: ok (%d surviving mutants, each listed as equivalent in %s)\n", len(all), *listPath)
}

// rerunNotCovered applies and tests each mutant gremlins did not run, and
// counts it as what its tests make of it; only those that live remain.
func rerunNotCovered(dir string, c counts, survivors []mutant, timeout time.Duration) (counts, []mutant) {
	var out []mutant
	for _, m := range survivors {
		if m.Status != "NOT COVERED" {
			out = append(out, m)
			continue
		}
		status, err := rerun(dir, m, timeout)
		if err != nil {
			fmt.Fprintf(os.Stderr, "mutationcheck: %s: %v\n", m, err)
			out = append(out, m)
			continue
		}
		c.NotCovered--
		switch status {
		case "KILLED":
			c.Killed++
		case "TIMED OUT":
			c.TimedOut++
		case "NOT VIABLE":
			c.NotViable++
		case "LIVED":
			c.Lived++
			m.Status = "LIVED"
			out = append(out, m)
		}
	}
	return c, out
}
