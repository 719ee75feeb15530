package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

func table(w io.Writer, header string, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header+"\t")
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
	}
	tw.Flush()
	fmt.Fprintln(w)
}

func printCosts(w io.Writer, cs []Cost) {
	var rows [][]string
	for _, c := range cs {
		rows = append(rows, []string{c.Operation, byOperation(c.Requests), fmt.Sprint(c.Total), units(c.ReadUnits), units(c.WriteUnits), fmt.Sprint(c.StripeCalls)})
	}
	table(w, "operation\tDynamoDB requests\ttotal\tread units\twrite units\tStripe API calls", rows)
}

// byOperation is "GetItem=1 Query=2", sorted; "-" for none.
func byOperation(m map[string]int) string {
	var ks []string
	for k, v := range m {
		ks = append(ks, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(ks)
	if len(ks) == 0 {
		return "-"
	}
	return strings.Join(ks, " ")
}

func units(u float64) string { return strings.TrimSuffix(fmt.Sprintf("%.1f", u), ".0") }

func printInProcess(w io.Writer, p InProcess) {
	table(w, "in process (median of rounds)\tns/op\tallocs/op\tB/op", [][]string{
		{"click handler, event in, response out", fmt.Sprintf("%.0f", p.HandlerNsOp), fmt.Sprint(p.HandlerAllocs), fmt.Sprint(p.HandlerBytes)},
		{"bare http.Redirect", fmt.Sprintf("%.0f", p.BareNsOp), fmt.Sprint(p.BareAllocs), fmt.Sprint(p.BareBytes)},
		{"ratio", fmt.Sprintf("%.1fx", p.NsRatio), fmt.Sprintf("%.1fx", p.AllocsRatio), ""},
	})
}

func printOverHTTP(w io.Writer, h OverHTTP) {
	row := func(name string, l Loopback) []string {
		return []string{name, fmt.Sprint(l.Requests), fmt.Sprint(l.Errors), fmt.Sprintf("%.0f", l.PerSecond), fmt.Sprintf("%.2f", l.P50ms), fmt.Sprintf("%.2f", l.P99ms)}
	}
	table(w, fmt.Sprintf("over loopback, %d clients\trequests\terrors\treq/s\tp50 ms\tp99 ms", h.DevServer.ClientConc), [][]string{
		row("dev server GET "+h.PathClicked, h.DevServer), row("bare net/http redirect", h.Bare),
		{"ratio (bare/dev for req/s, dev/bare for latency)", "", "", fmt.Sprintf("%.1fx", h.RateRatio), fmt.Sprintf("%.1fx", h.P50Ratio), fmt.Sprintf("%.1fx", h.P99Ratio)},
	})
}

func printLoad(w io.Writer, l Load) {
	table(w, "load through the dev server\tvalue", [][]string{
		{"affiliates clicked and paid in turn", fmt.Sprint(max(l.Affiliates, 1))},
		{"clients (click + order)", fmt.Sprintf("%d + %d", l.ClickClients, l.OrderClients)},
		{"clicks sent / counted", fmt.Sprintf("%d / %d", l.Clicks, l.HitsCounted)},
		{"orders sent / entries written", fmt.Sprintf("%d / %d", l.Orders, l.EntriesWritten)},
		{"commission cents recorded / expected", fmt.Sprintf("%d / %d", l.CommissionSum, l.CommissionWant)},
		{"seconds", fmt.Sprintf("%.2f", l.Seconds)},
		{"clicks/s, orders/s", fmt.Sprintf("%.0f, %.0f", l.ClicksPerSec, l.OrdersPerSec)},
		{"errors, logged errors", fmt.Sprintf("%d, %d", l.Errors, l.LoggedErrors)},
		{"orders sent again after a 5xx or no answer", fmt.Sprint(l.OrderRetries)},
		{"click ms p50 / p99 / max", fmt.Sprintf("%.1f / %.1f / %.1f", l.Click.P50ms, l.Click.P99ms, l.Click.MaxMS)},
		{"click write (UpdateItem) ms p50 / p90 / p99 / max", fmt.Sprintf("%.1f / %.1f / %.1f / %.1f", l.ClickWrite.P50ms, l.ClickWrite.P90ms, l.ClickWrite.P99ms, l.ClickWrite.MaxMS)},
		{"click writes over 800 ms, cut off", fmt.Sprintf("%d of %d, %d", l.ClickWrite.Over800, l.ClickWrite.N, l.ClickWrite.Cut)},
	})
}

func printColdStarts(w io.Writer, cs []ColdStart) {
	var rows [][]string
	for _, c := range cs {
		if c.Error != "" {
			rows = append(rows, []string{c.Function, fmt.Sprint(c.ARM64Bytes), "-", "-", c.Error})
			continue
		}
		rows = append(rows, []string{c.Function, fmt.Sprint(c.ARM64Bytes), fmt.Sprintf("%.1f", c.InitMS), fmt.Sprintf("%.1f", c.FirstInvoke), ""})
	}
	table(w, "function\tarm64 bytes\tinit ms\tfirst invoke ms\t", rows)
}

func printChecks(w io.Writer, cs []Check, reqs map[string]int) {
	var rows [][]string
	for _, c := range cs {
		v := "ok"
		if !c.OK {
			v = "OVER"
		}
		rows = append(rows, []string{c.Budget, v, c.Got})
	}
	table(w, "budget\t\tmeasured", rows)
	fmt.Fprintf(w, "every DynamoDB request of the run: %s\n\n", byOperation(reqs))
}

func printScales(w io.Writer, ss []Scale) {
	if len(ss) == 0 {
		return
	}
	head := "program of N affiliates (" + fmt.Sprint(ss[0].Events) + " events)"
	rows := [][]string{{"import: seconds"}, {"import: requests, write units"}, {"cold start, rules only: requests, read units, bytes"},
		{"cold start, whole program: requests, read units, bytes"}, {"first click on an affiliate: requests, read units"}, {"warm click: requests, write units"}}
	for _, s := range ss {
		head += "\t" + fmt.Sprint(s.Affiliates)
		rows[0] = append(rows[0], fmt.Sprintf("%.1f", s.ImportSeconds))
		rows[1] = append(rows[1], fmt.Sprintf("%d, %.0f", s.Import.Total, s.Import.WriteUnits))
		rows[2] = append(rows[2], fmt.Sprintf("%d, %.1f, %d", s.ColdRules.Total, s.ColdRules.ReadUnits, s.ColdRulesBytes))
		rows[3] = append(rows[3], fmt.Sprintf("%d, %.1f, %d", s.ColdProgram.Total, s.ColdProgram.ReadUnits, s.ColdProgramBytes))
		rows[4] = append(rows[4], fmt.Sprintf("%d, %.1f", s.FirstClick.Total, s.FirstClick.ReadUnits))
		rows[5] = append(rows[5], fmt.Sprintf("%d, %.0f", s.WarmClick.Total, s.WarmClick.WriteUnits))
	}
	// The owner's pages, after a month of activity (same views at each size).
	rows = append(rows, []string{"a month of activity written: seconds"}, []string{"rebuild-summaries: seconds"})
	for _, s := range ss {
		rows[6] = append(rows[6], fmt.Sprintf("%.1f", s.ActivitySeconds))
		rows[7] = append(rows[7], fmt.Sprintf("%.1f", s.RebuildSeconds))
	}
	for i, pg := range ss[0].OwnerPages {
		cold, warm := []string{pg.View + ", cold: requests, read units, bytes"}, []string{pg.View + ": requests, read units, bytes, rows"}
		for _, s := range ss {
			if i >= len(s.OwnerPages) {
				continue
			}
			p := s.OwnerPages[i]
			cold = append(cold, fmt.Sprintf("%d, %.1f, %d", p.Cold.Total, p.Cold.ReadUnits, p.ColdBytes))
			warm = append(warm, fmt.Sprintf("%d, %.1f, %d, %d", p.Warm.Total, p.Warm.ReadUnits, p.WarmBytes, p.Rows))
		}
		rows = append(rows, cold, warm)
	}
	bal := []string{"/admin/balances, first page: requests, read units, rows, with a ledger (cold requests)"}
	csv := []string{"/admin/balances CSV: requests, read units, rows, seconds"}
	for _, s := range ss {
		bal = append(bal, fmt.Sprintf("%d, %.1f, %d, %d (%d)", s.Balances.Warm.Total, s.Balances.Warm.ReadUnits, s.Balances.Rows, s.BalancesLedgers, s.Balances.Cold.Total))
		csv = append(csv, fmt.Sprintf("%d, %.1f, %d, %.1f", s.BalancesCSV.Warm.Total, s.BalancesCSV.Warm.ReadUnits, s.BalancesCSV.Rows, s.BalancesCSV.Seconds))
	}
	rows = append(rows, bal, csv)
	table(w, head, rows)
}
