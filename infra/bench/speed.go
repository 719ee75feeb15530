package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/infra/memclicks"
)

// InProcess is the click handler (event in, response out, the hit written
// to memory) against a bare http.Redirect handler: medians of interleaved
// testing.Benchmark rounds.
type InProcess struct {
	Rounds         int     `json:"rounds"`
	HandlerNsOp    float64 `json:"handler_ns_op"`
	HandlerAllocs  int64   `json:"handler_allocs_op"`
	HandlerBytes   int64   `json:"handler_bytes_op"`
	BareNsOp       float64 `json:"bare_ns_op"`
	BareAllocs     int64   `json:"bare_allocs_op"`
	BareBytes      int64   `json:"bare_bytes_op"`
	NsRatio        float64 `json:"ns_ratio"`
	AllocsRatio    float64 `json:"allocs_ratio"`
	HandlerPerCore float64 `json:"handler_clicks_per_core_second"`
}

func inProcess(rounds int) (InProcess, error) {
	h := memclicks.New(demo.Program(), clickKey)
	ctx := context.Background()
	req := clickRequest(iPhone)
	if err := click(ctx, h, iPhone); err != nil {
		return InProcess{}, err
	}
	handler := func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.Long(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	}
	hr := httptest.NewRequest(http.MethodGet, "/go/summit-2026/jane?utm_source=newsletter", nil)
	bare := func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bareRedirect.ServeHTTP(httptest.NewRecorder(), hr)
		}
	}
	var hs, bs []testing.BenchmarkResult
	for range rounds {
		hs = append(hs, testing.Benchmark(handler))
		bs = append(bs, testing.Benchmark(bare))
	}
	r := InProcess{Rounds: rounds}
	var hb testing.BenchmarkResult
	r.HandlerNsOp, hb = medianResult(hs)
	r.HandlerAllocs, r.HandlerBytes = hb.AllocsPerOp(), hb.AllocedBytesPerOp()
	var bb testing.BenchmarkResult
	r.BareNsOp, bb = medianResult(bs)
	r.BareAllocs, r.BareBytes = bb.AllocsPerOp(), bb.AllocedBytesPerOp()
	r.NsRatio = r.HandlerNsOp / r.BareNsOp
	r.AllocsRatio = float64(r.HandlerAllocs) / float64(max(r.BareAllocs, 1))
	r.HandlerPerCore = 1e9 / r.HandlerNsOp
	return r, nil
}

// medianResult is the round with the median ns/op.
func medianResult(rs []testing.BenchmarkResult) (float64, testing.BenchmarkResult) {
	s := append([]testing.BenchmarkResult(nil), rs...)
	sort.Slice(s, func(i, j int) bool { return nsOp(s[i]) < nsOp(s[j]) })
	m := s[len(s)/2]
	return nsOp(m), m
}

func nsOp(r testing.BenchmarkResult) float64 { return float64(r.T.Nanoseconds()) / float64(r.N) }

var bareRedirect = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "https://example.com/summit?utm_source=newsletter", http.StatusFound)
})

// Loopback is one server's figures for a fixed number of GETs.
type Loopback struct {
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	PerSecond  float64 `json:"requests_per_second"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	ClientConc int     `json:"concurrent_clients"`
}

// OverHTTP compares the dev server's click route (over DynamoDB Local) with
// a bare net/http server that only redirects, with the same client, in
// interleaved rounds.
type OverHTTP struct {
	Rounds      int      `json:"rounds"`
	DevServer   Loopback `json:"dev_server"`
	Bare        Loopback `json:"bare"`
	RateRatio   float64  `json:"rate_ratio_bare_over_dev"`
	P50Ratio    float64  `json:"p50_ratio"`
	P99Ratio    float64  `json:"p99_ratio"`
	PathClicked string   `json:"path"`
}

func overHTTP(dev http.Handler, path string, rounds, perRound, conc int) (OverHTTP, error) {
	devURL, stopDev, err := serve(dev)
	if err != nil {
		return OverHTTP{}, err
	}
	defer stopDev()
	bareURL, stopBare, err := serve(bareRedirect)
	if err != nil {
		return OverHTTP{}, err
	}
	defer stopBare()
	c := newClient(conc)
	var devLat, bareLat []time.Duration
	var devTime, bareTime time.Duration
	out := OverHTTP{Rounds: rounds, PathClicked: path}
	for range rounds {
		lat, took, errs := hammer(c, devURL+path, perRound, conc)
		devLat, devTime, out.DevServer.Errors = append(devLat, lat...), devTime+took, out.DevServer.Errors+errs
		lat, took, errs = hammer(c, bareURL+path, perRound, conc)
		bareLat, bareTime, out.Bare.Errors = append(bareLat, lat...), bareTime+took, out.Bare.Errors+errs
	}
	out.DevServer = loopback(devLat, devTime, out.DevServer.Errors, conc)
	out.Bare = loopback(bareLat, bareTime, out.Bare.Errors, conc)
	out.RateRatio = out.Bare.PerSecond / out.DevServer.PerSecond
	out.P50Ratio = out.DevServer.P50ms / out.Bare.P50ms
	out.P99Ratio = out.DevServer.P99ms / out.Bare.P99ms
	return out, nil
}

func loopback(lat []time.Duration, took time.Duration, errs, conc int) Loopback {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return Loopback{Requests: len(lat), Errors: errs, PerSecond: float64(len(lat)) / took.Seconds(),
		P50ms: ms(pct(lat, 50)), P99ms: ms(pct(lat, 99)), ClientConc: conc}
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

// serve listens on a free loopback port.
func serve(h http.Handler) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	s := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.Serve(l) }()
	return "http://" + l.Addr().String(), func() { _ = s.Close() }, nil
}

// newClient keeps a connection per concurrent client and never follows a
// redirect: the answer is the 302.
func newClient(conc int) *http.Client {
	return &http.Client{
		Transport:     &http.Transport{MaxIdleConns: conc * 2, MaxIdleConnsPerHost: conc * 2, IdleConnTimeout: time.Minute},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// hammer GETs url n times from conc goroutines, as a phone; anything but a
// 302 is an error.
func hammer(c *http.Client, url string, n, conc int) ([]time.Duration, time.Duration, int) {
	lat := make([]time.Duration, n)
	var mu sync.Mutex
	errs := 0
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t := time.Now()
				err := get(c, url)
				lat[i] = time.Since(t)
				if err != nil {
					mu.Lock()
					errs++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return lat, time.Since(start), errs
}

func get(c *http.Client, url string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", iPhone)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
