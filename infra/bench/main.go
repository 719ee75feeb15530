// Command bench measures what Tally's operations cost on this machine and
// prints a table (and writes the same figures as JSON):
//
//	go run ./infra/bench [-json FILE]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/tallyhq/tally/infra/devserver"
)

// Report is everything one run measured.
type Report struct {
	Date       string      `json:"date"`
	ColdStarts []ColdStart `json:"cold_starts"`
}

func main() {
	jsonOut := flag.String("json", ".cache/bench.json", "where to write the figures as JSON")
	endpoint := flag.String("dynamodb-endpoint", "", "DynamoDB endpoint (default: the embedded store)")
	runs := flag.Int("runs", 3, "cold starts per function (the median is kept)")
	flag.Parse()
	if err := run(context.Background(), *jsonOut, *endpoint, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, jsonOut, endpoint string, runs int) error {
	srv, err := devserver.New(ctx, devserver.Options{DynamoDBEndpoint: endpoint, Table: "bench"})
	if err != nil {
		return err
	}
	defer srv.Close()
	r := Report{Date: time.Now().UTC().Format(time.RFC3339)}
	if r.ColdStarts, err = coldStarts(ctx, srv.Endpoint, "bench", runs); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "function\tarm64 bytes\tinit ms\tfirst invoke ms\t")
	for _, c := range r.ColdStarts {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t\n", c.Function, c.ARM64Bytes, c.InitMS, c.FirstInvoke)
	}
	tw.Flush()
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(jsonOut, b, 0o644)
}
