// Command testsummary reads `go test -json` and prints each package's
// result, the output of every failed test, and a closing line
// "N passed, N failed, N skipped". A skipped test fails the run: Tally's
// tests install what they need instead of skipping.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	tables := flag.String("tables", "", "file in which integration tests note each DynamoDB Local table they create")
	flag.Parse()
	var passed, failed, skipped int
	outputs := map[string][]string{}
	var failedTests, skippedTests []string
	pkgFailed := false
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			fmt.Println(string(line)) // build errors and the like
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			outputs[key] = append(outputs[key], e.Output)
		case "pass":
			if e.Test != "" {
				passed++
			} else {
				fmt.Printf("ok   %s (%.1fs)\n", e.Package, e.Elapsed)
			}
		case "fail":
			if e.Test != "" {
				failed++
				failedTests = append(failedTests, key)
			} else {
				pkgFailed = true
				fmt.Printf("FAIL %s (%.1fs)\n", e.Package, e.Elapsed)
				if len(failedTests) == 0 || !strings.HasPrefix(failedTests[len(failedTests)-1], e.Package+" ") {
					fmt.Print(strings.Join(outputs[key], ""))
				}
			}
		case "skip":
			if e.Test != "" {
				skipped++
				skippedTests = append(skippedTests, key)
			}
		}
	}
	sort.Strings(failedTests)
	for _, k := range failedTests {
		fmt.Printf("\n--- FAIL: %s\n%s", k, strings.Join(outputs[k], ""))
	}
	for _, k := range skippedTests {
		fmt.Printf("--- SKIP (not allowed): %s\n%s", k, strings.Join(outputs[k], ""))
	}
	if *tables != "" {
		if b, err := os.ReadFile(*tables); err == nil {
			n := strings.Count(string(b), "\n")
			fmt.Printf("DynamoDB Local: %d integration tests created tables and ran against it\n", n)
		}
	}
	fmt.Printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 || skipped > 0 || pkgFailed {
		os.Exit(1)
	}
}
