package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tallyhq/tally/infra/devserver"
	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/app"
)

// Setup is one way of running the load: the table's stream on or off, and
// the dev server's stream consumers (mail, outgoing webhooks) running or
// not. The load step runs the first.
type Setup struct {
	Name      string `json:"name"`
	Stream    bool   `json:"stream"`
	Consumers bool   `json:"consumers"`
	Before    int    `json:"clicks_before"` // clicks on the table before the load, as the loopback step sends in a full run
}

func setupsFor(history int) []Setup {
	ss := []Setup{
		{Name: "stream on, no consumers (the load step)", Stream: true},
		{Name: "stream off", Stream: false},
		{Name: "stream on, consumers running", Stream: true, Consumers: true},
	}
	if history > 0 {
		ss = append(ss,
			Setup{Name: fmt.Sprintf("stream on, after %d clicks", history), Stream: true, Before: history},
			Setup{Name: fmt.Sprintf("stream off, after %d clicks", history), Stream: false, Before: history})
	}
	return ss
}

// Compared is one setup's loads, one per round, and every click write of
// them together.
type Compared struct {
	Setup Setup  `json:"setup"`
	Loads []Load `json:"loads"`
	// WritesBefore are, for each load, the writes DynamoDB Local had
	// answered in this run before it (on every table, deleted ones too).
	WritesBefore []int   `json:"writes_before"`
	ClickWrite   Latency `json:"click_write_latency"`
	Click        Latency `json:"click_latency"`
}

// compare runs the same load through a new dev server and table per setup,
// the setups in turn, rounds times, so a machine that slows down during
// the run slows every setup alike; what it reports are ratios between them.
func compare(ctx context.Context, w *wire, o options) ([]Compared, error) {
	tpl, err := sam.LoadRepo()
	if err != nil {
		return nil, err
	}
	setups := setupsFor(o.compareHistory)
	out := make([]Compared, len(setups))
	writes := make([][]timing, len(setups))
	clicks := make([][]timing, len(setups))
	for round := range o.compare {
		for i, s := range setups {
			step(fmt.Sprintf("load, round %d of %d: %s", round+1, o.compare, s.Name))
			before := writesSoFar(w)
			l, ws, cs, err := loadOn(ctx, w, tpl, s, o)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.Name, err)
			}
			out[i].Setup, out[i].Loads = s, append(out[i].Loads, l)
			out[i].WritesBefore = append(out[i].WritesBefore, before+s.Before)
			writes[i], clicks[i] = append(writes[i], ws...), append(clicks[i], cs...)
		}
	}
	for i := range out {
		out[i].ClickWrite, out[i].Click = latency(writes[i]), latency(clicks[i])
	}
	return out, nil
}

// loadOn runs the load on a new table made as s says, and returns it with
// its click writes' and clicks' times.
func loadOn(ctx context.Context, w *wire, tpl *sam.Template, s Setup, o options) (Load, []timing, []timing, error) {
	var logged atomic.Int64
	srv, drop, err := devServer(ctx, w, tpl, "bench-cmp-", s.Stream, s.Consumers, &logged)
	if err != nil {
		return Load{}, nil, nil, err
	}
	defer drop()
	if s.Before > 0 {
		base, stop, err := serve(srv.Handler())
		if err != nil {
			return Load{}, nil, nil, err
		}
		_, _, errs := hammer(newClient(4), base+"/go/summit-2026/jane", s.Before, 4)
		stop()
		if errs > 0 {
			return Load{}, nil, nil, fmt.Errorf("%d of %d clicks before the load failed", errs, s.Before)
		}
	}
	return load(ctx, srv, w, &logged, demoCrowd, o.clickClients, o.clicksEach, o.orderClients, o.ordersEach)
}

// devServer is a dev server over the wire on a new table, with the
// table's stream (as deployed) or without, and the stream's consumers
// running or not; its error log lines are counted in logged. drop closes
// it and deletes the table.
func devServer(ctx context.Context, w *wire, tpl *sam.Template, prefix string, stream, consumers bool, logged *atomic.Int64) (*devserver.Server, func(), error) {
	db := app.LocalDynamoDB(w.url)
	table := prefix + nonce()
	var opts []func(*dynamodb.CreateTableInput)
	if !stream {
		opts = append(opts, sam.NoStream)
	}
	if err := tpl.CreateTable(ctx, db, table, opts...); err != nil {
		return nil, nil, err
	}
	srv, err := devserver.New(ctx, devserver.Options{
		DynamoDBEndpoint: w.url, Table: table, WebhookSecrets: secret, ClickKey: clickKey,
		Now: func() time.Time { return now }, Mail: io.Discard, Notify: consumers,
		Log: slog.New(errorCount{slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}), logged}),
	})
	if err != nil {
		dropTable(db, table)
		return nil, nil, err
	}
	return srv, func() { srv.Close(); dropTable(db, table) }, nil
}

// writesSoFar counts the write requests that went through the wire.
func writesSoFar(w *wire) int {
	n := 0
	for op, k := range w.counts() {
		switch op {
		case "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem":
			n += k
		}
	}
	return n
}

func printCompared(w io.Writer, cs []Compared) {
	if len(cs) == 0 {
		return
	}
	base := cs[0].ClickWrite
	var rows [][]string
	for _, c := range cs {
		var sent, counted int64
		var secs float64
		errs, logged, retries := 0, int64(0), 0
		for _, l := range c.Loads {
			sent, counted, secs = sent+int64(l.Clicks), counted+l.HitsCounted, secs+l.Seconds
			errs, logged, retries = errs+l.Errors, logged+l.LoggedErrors, retries+l.OrderRetries
		}
		cw := c.ClickWrite
		rows = append(rows, []string{c.Setup.Name,
			fmt.Sprintf("%d / %d", counted, sent),
			fmt.Sprintf("%.0f", float64(sent)/secs),
			fmt.Sprintf("%.1f / %.1f / %.1f / %.1f", cw.P50ms, cw.P90ms, cw.P99ms, cw.MaxMS),
			fmt.Sprintf("%.2f / %.2f", cw.P50ms/base.P50ms, cw.P99ms/base.P99ms),
			fmt.Sprintf("%d (%.1f%%), %d", cw.Over800, 100*float64(cw.Over800)/float64(max(1, cw.N)), cw.Cut),
			fmt.Sprintf("%.1f / %.1f", c.Click.P50ms, c.Click.P99ms),
			fmt.Sprintf("%d, %d, %d", errs, logged, retries),
		})
	}
	var rounds [][]string
	for _, c := range cs {
		for i, l := range c.Loads {
			cw := l.ClickWrite
			rounds = append(rounds, []string{fmt.Sprint(i + 1), c.Setup.Name, fmt.Sprint(c.WritesBefore[i]),
				fmt.Sprintf("%d / %d", l.HitsCounted, l.Clicks),
				fmt.Sprintf("%.1f / %.1f / %.1f", cw.P50ms, cw.P99ms, cw.MaxMS),
				fmt.Sprintf("%d, %d", cw.Over800, cw.Cut)})
		}
	}
	table(w, "round\tsetup\twrites before (whole run)\tclicks counted / sent\tclick write ms p50 / p99 / max\tover 800 ms, cut off", rounds)
	table(w, "setup\tclicks counted / sent\tclicks/s\tclick write ms p50 / p90 / p99 / max\tp50, p99 over the first\twrites over 800 ms, cut off\tclick ms p50 / p99\terrors, logged, order retries", rows)
}
