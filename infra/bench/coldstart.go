package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/tallyhq/tally/infra/rie"
	"github.com/tallyhq/tally/infra/sam"
)

// ColdStart is one function's binary size (linux/arm64, as sam build makes
// it) and its init and first invoke on this machine.
type ColdStart struct {
	Function    string  `json:"function"`
	ARM64Bytes  int64   `json:"arm64_bytes"`
	InitMS      float64 `json:"init_ms"`
	FirstInvoke float64 `json:"first_invoke_ms"`
	Error       string  `json:"error,omitempty"` // why it did not start, if it did not
}

// coldStarts builds every function twice with its Makefile target, as sam
// build does (arm64 for size, this machine's architecture for timing), and
// starts each host binary under the Lambda runtime emulator at emulator,
// with the table at endpoint; init and first invoke are as the emulator
// times them. runs cold starts are taken per function; the median is kept.
func coldStarts(ctx context.Context, emulator, endpoint, table string, runs int) ([]ColdStart, error) {
	root, err := sam.RepoFile("")
	if err != nil {
		return nil, err
	}
	tpl, err := sam.LoadRepo()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tally-bench-bin")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ids := tpl.Functions()
	arm, err := rie.Build(ctx, root, filepath.Join(dir, "arm64"), "arm64", ids)
	if err != nil {
		return nil, err
	}
	host, err := rie.Build(ctx, root, filepath.Join(dir, "host"), runtime.GOARCH, ids)
	if err != nil {
		return nil, err
	}
	raw, err := sam.LoadRepoRaw()
	if err != nil {
		return nil, err
	}
	base := []string{"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL_DYNAMODB=" + endpoint}
	// Queues and Stripe are never reached by the cold events.
	vals := rie.Settings{Table: table, QueueBase: "https://sqs.invalid", StripeAPI: "https://stripe.invalid"}.Variables()
	var out []ColdStart
	for _, id := range ids {
		st, err := os.Stat(arm[id])
		if err != nil {
			return nil, err
		}
		var inits, invokes []float64
		c := ColdStart{Function: id, ARM64Bytes: st.Size()}
		env, err := rie.Env(raw, id, base, vals)
		if err != nil {
			return nil, err
		}
		for i := 0; i < runs && c.Error == ""; i++ {
			r, err := rie.Cold(ctx, emulator, host[id], env, coldEvent(id))
			if err != nil {
				c.Error = err.Error() // the others are still measured; the budget check fails the run
				break
			}
			inits = append(inits, ms(r.Init))
			invokes = append(invokes, ms(r.Invoke))
		}
		c.InitMS, c.FirstInvoke = median(inits), median(invokes)
		out = append(out, c)
	}
	return out, nil
}

// coldEvent is a representative first request for each kind of function.
func coldEvent(id string) []byte {
	switch id {
	case "AuthorizerFunction":
		return []byte(`{"version":"2.0","type":"REQUEST","routeKey":"GET /reports/ledger","rawPath":"/reports/ledger","headers":{"authorization":"Bearer dev-jane-key"}}`)
	case "ClickLongFunction":
		return []byte(`{"version":"2.0","routeKey":"GET /go/{event}/{affiliate}","rawPath":"/go/summit-2026/jane","headers":{"user-agent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"},"pathParameters":{"event":"summit-2026","affiliate":"jane"},"requestContext":{"http":{"method":"GET","path":"/go/summit-2026/jane"}}}`)
	default:
		return []byte(`{"version":"2.0","routeKey":"GET /","rawPath":"/","headers":{},"requestContext":{"http":{"method":"GET","path":"/"}}}`)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}
