// Command bench measures what Tally's operations cost on this machine:
// DynamoDB requests and units per operation, the click path's speed against
// a bare redirect, a load of clicks and orders through the dev server, and
// each function's cold start. It prints a table, writes the same figures as
// JSON, and exits 1 when an operation is over its budget.
//
//	go run ./infra/bench -dynamodb-endpoint http://127.0.0.1:8000 [-json FILE]
//
// `make bench` starts DynamoDB Local and runs it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tallyhq/tally/infra/dynamometer"
	"github.com/tallyhq/tally/infra/rie"
	"github.com/tallyhq/tally/infra/sam"
)

// Report is everything one run measured.
type Report struct {
	Date       string         `json:"date"`
	Machine    Machine        `json:"machine"`
	Costs      []Cost         `json:"costs"`
	Requests   map[string]int `json:"requests"` // every DynamoDB request of the run, by operation
	InProcess  *InProcess     `json:"click_in_process,omitempty"`
	OverHTTP   *OverHTTP      `json:"click_over_http,omitempty"`
	Load       *Load          `json:"load,omitempty"`
	Scales     []Scale        `json:"scales,omitempty"`
	Compared   []Compared     `json:"load_compared,omitempty"`
	ColdStarts []ColdStart    `json:"cold_starts,omitempty"`
	Checks     []Check        `json:"budgets"`
}

// Machine is what the figures were taken on.
type Machine struct {
	CPUs int    `json:"cpus"`
	CPU  string `json:"cpu"`
	Go   string `json:"go"`
	OS   string `json:"os"`
}

type options struct {
	jsonOut, endpoint, emulator      string
	coldRuns, rounds, entries, crowd int
	httpRequests, httpConc           int
	clickClients, clicksEach         int
	orderClients, ordersEach         int
	loadAffiliates                   int
	compare, compareHistory          int
	scales                           []int // program sizes (affiliates) measured
}

func main() {
	o := options{scales: []int{10, 10000}}
	flag.StringVar(&o.jsonOut, "json", ".cache/bench.json", "where to write the figures as JSON")
	flag.StringVar(&o.endpoint, "dynamodb-endpoint", "", "DynamoDB Local's URL (required)")
	flag.StringVar(&o.emulator, "rie", os.Getenv(rie.EnvBinary), "the Lambda runtime emulator (aws-lambda-rie) the cold starts run under; bench.sh installs it")
	flag.IntVar(&o.coldRuns, "runs", 3, "cold starts per function (the median is kept); 0 skips them")
	flag.IntVar(&o.rounds, "rounds", 5, "interleaved rounds of each click-speed comparison")
	flag.IntVar(&o.entries, "entries", 1000, "ledger entries in the month a report reads")
	flag.IntVar(&o.crowd, "crowd", 100, "how many times as many entries of others the crowded table holds")
	flag.IntVar(&o.httpRequests, "http-requests", 2000, "GETs per server per round over loopback")
	flag.IntVar(&o.httpConc, "http-clients", 4, "concurrent clients over loopback")
	// The launch-day load of SPEC 15: 20,000 clicks over 2,000 affiliates
	// and 1,000 orders at once.
	flag.Func("scale", "program sizes measured (affiliates, comma-separated; \"\" skips), default 10,10000", func(v string) error {
		o.scales = nil
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' }) {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return fmt.Errorf("not a number of affiliates: %q", f)
			}
			o.scales = append(o.scales, n)
		}
		return nil
	})
	flag.IntVar(&o.loadAffiliates, "load-affiliates", 2000, "affiliates the load clicks and pays in turn (0: bob's one link, orders for jane)")
	flag.IntVar(&o.clickClients, "load-click-clients", 16, "clients clicking at once under load")
	flag.IntVar(&o.clicksEach, "load-clicks", 1250, "clicks per click client")
	flag.IntVar(&o.orderClients, "load-order-clients", 4, "clients sending orders under load")
	flag.IntVar(&o.ordersEach, "load-orders", 250, "orders per order client")
	flag.IntVar(&o.compare, "load-compare", 0, "run only the load, this many rounds of each setup (table stream on, off, on with the stream consumers running), in turns")
	flag.IntVar(&o.compareHistory, "load-compare-history", 10000, "with -load-compare, also the stream on and off after this many clicks through the dev server first (a full run's loopback step sends 10,000); 0 leaves them out")
	flag.Parse()
	r, err := run(context.Background(), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if bad := failed(r.Checks); len(bad) > 0 {
		for _, c := range bad {
			fmt.Fprintf(os.Stderr, "bench: over budget: %s (%s)\n", c.Budget, c.Got)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) (Report, error) {
	if o.endpoint == "" {
		return Report{}, errors.New("-dynamodb-endpoint is required (make bench starts DynamoDB Local)")
	}
	r := Report{Date: time.Now().UTC().Format(time.RFC3339), Machine: machine()}
	var m dynamometer.Meter
	w, err := newWire(o.endpoint)
	if err != nil {
		return r, err
	}
	defer w.close()

	if o.compare > 0 {
		if r.Compared, err = compare(ctx, w, o); err != nil {
			return r, err
		}
		printCompared(os.Stdout, r.Compared)
		r.Requests = w.counts()
		return r, writeJSON(o.jsonOut, r)
	}

	step("DynamoDB cost per operation")
	if r.Costs, err = costs(ctx, o.endpoint, &m, o.entries, o.crowd); err != nil {
		return r, err
	}
	printCosts(os.Stdout, r.Costs)

	if len(o.scales) > 0 {
		step(fmt.Sprintf("programs of %v affiliates", o.scales))
		if r.Scales, err = scales(ctx, o.endpoint, o.scales); err != nil {
			return r, err
		}
		printScales(os.Stdout, r.Scales)
	}

	step("click handler against http.Redirect, in process")
	ip, err := inProcess(o.rounds)
	if err != nil {
		return r, err
	}
	r.InProcess = &ip
	printInProcess(os.Stdout, ip)

	tpl, err := sam.LoadRepo()
	if err != nil {
		return r, err
	}
	// The loopback step's own dev server, on a table without a stream: it
	// measures the handler against a bare redirect, and its thousands of
	// clicks would otherwise slow every later write to a table with a
	// stream on DynamoDB Local (docs/benchmarks.md).
	var loopLogged atomic.Int64
	loop, dropLoop, err := devServer(ctx, w, tpl, "bench-loop-", false, false, &loopLogged)
	if err != nil {
		return r, err
	}
	step("dev server against a bare net/http redirect, over loopback")
	oh, err := overHTTP(loop.Handler(), "/go/summit-2026/jane", o.rounds, o.httpRequests, o.httpConc)
	dropLoop()
	if err != nil {
		return r, err
	}
	r.OverHTTP = &oh
	printOverHTTP(os.Stdout, oh)

	// The load and the cold starts: a table with its stream, as deployed.
	var logged atomic.Int64
	srv, drop, err := devServer(ctx, w, tpl, "bench-dev-", true, false, &logged)
	if err != nil {
		return r, err
	}
	defer drop()
	table := srv.Deps.Config.Table

	step("load through the dev server")
	who := demoCrowd
	if o.loadAffiliates > 0 {
		if who, err = launchCrowd(ctx, srv, o.loadAffiliates); err != nil {
			return r, err
		}
	}
	l, _, _, err := load(ctx, srv, w, &logged, who, o.clickClients, o.clicksEach, o.orderClients, o.ordersEach)
	if err != nil {
		return r, err
	}
	r.Load = &l
	printLoad(os.Stdout, l)

	if o.coldRuns > 0 {
		step("cold starts")
		if o.emulator == "" {
			return r, fmt.Errorf("cold starts need the Lambda runtime emulator: -rie or %s (./infra/scripts/bench.sh installs it)", rie.EnvBinary)
		}
		if r.ColdStarts, err = coldStarts(ctx, o.emulator, srv.Endpoint, table, o.coldRuns); err != nil {
			return r, err
		}
		printColdStarts(os.Stdout, r.ColdStarts)
	}

	r.Requests = m.Snapshot().Requests
	for op, n := range w.counts() {
		r.Requests[op] += n
	}
	r.Checks = checks(r)
	printChecks(os.Stdout, r.Checks, r.Requests)
	return r, writeJSON(o.jsonOut, r)
}

func writeJSON(path string, r Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func step(s string) { fmt.Fprintf(os.Stderr, "bench: %s…\n", s) }

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}
