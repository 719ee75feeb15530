package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// wire stands between the dev server (and the cold-started functions) and
// DynamoDB, counting requests by operation from the X-Amz-Target header:
// the dev server builds its own SDK client, so the meter cannot ride on it.
type wire struct {
	mu   sync.Mutex
	ops  map[string]int
	url  string
	srv  *http.Server
	took map[string][]timing // while timing: each request's time, by operation
}

// timing is one request as the wire saw it: how long until DynamoDB
// answered, or until the client gave up on it (cut).
type timing struct {
	d   time.Duration
	cut bool
}

func newWire(endpoint string) (*wire, error) {
	target, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	w := &wire{ops: map[string]int{}}
	p := httputil.NewSingleHostReverseProxy(target)
	p.Transport = &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128, IdleConnTimeout: time.Minute}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w.url = "http://" + l.Addr().String()
	w.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		op := ""
		if t := r.Header.Get("X-Amz-Target"); t != "" {
			op = t[strings.LastIndex(t, ".")+1:]
			w.mu.Lock()
			w.ops[op]++
			w.mu.Unlock()
		}
		start := time.Now()
		p.ServeHTTP(rw, r)
		d, cut := time.Since(start), r.Context().Err() != nil
		w.mu.Lock()
		if w.took != nil && op != "" {
			w.took[op] = append(w.took[op], timing{d, cut})
		}
		w.mu.Unlock()
	})}
	go func() { _ = w.srv.Serve(l) }()
	return w, nil
}

func (w *wire) counts() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]int, len(w.ops))
	for k, v := range w.ops {
		out[k] = v
	}
	return out
}

// time starts keeping each request's time, forgetting any kept before.
func (w *wire) time() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.took = map[string][]timing{}
}

// timings stops keeping times and returns those of op.
func (w *wire) timings(op string) []timing {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.took[op]
	w.took = nil
	return out
}

func (w *wire) close() { _ = w.srv.Close() }

// errorCount counts the error lines a logger writes.
type errorCount struct {
	slog.Handler
	n *atomic.Int64
}

func (h errorCount) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.n.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h errorCount) WithAttrs(as []slog.Attr) slog.Handler {
	return errorCount{h.Handler.WithAttrs(as), h.n}
}

func (h errorCount) WithGroup(g string) slog.Handler { return errorCount{h.Handler.WithGroup(g), h.n} }
