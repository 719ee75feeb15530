// Package runtimeapi is a local stand-in for the Lambda Runtime API, enough
// to start a function binary, time its init (exec to its first request for
// work) and its first invoke, the way Lambda would.
package runtimeapi

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Result is one cold start.
type Result struct {
	Init        time.Duration // exec → first GET .../invocation/next
	FirstInvoke time.Duration // event handed over → response posted
	Response    []byte
	Error       []byte // the function's error report, if it posted one
}

// ColdStart runs binary with env (plus AWS_LAMBDA_RUNTIME_API), hands it
// event as its first invocation, and stops it once it answered.
func ColdStart(ctx context.Context, binary string, env []string, event []byte) (Result, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Result{}, err
	}
	defer l.Close()

	var (
		mu      sync.Mutex
		res     Result
		start   time.Time
		handed  time.Time
		served  bool
		done    = make(chan struct{})
		doneOne sync.Once
	)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if served { // second poll: the function is done; keep it waiting
			mu.Unlock()
			<-r.Context().Done()
			return
		}
		served = true
		res.Init = time.Since(start)
		handed = time.Now()
		mu.Unlock()
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", "cold-start-1")
		w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(30*time.Second).UnixMilli()))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:local:000000000000:function:bench")
		w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
		_, _ = w.Write(event)
	})
	answer := func(isErr bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			res.FirstInvoke = time.Since(handed)
			if isErr {
				res.Error = b
			} else {
				res.Response = b
			}
			mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
			doneOne.Do(func() { close(done) })
		}
	}
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", answer(false))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", answer(true))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		res.Error = b
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		doneOne.Do(func() { close(done) })
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()

	cmd := exec.CommandContext(ctx, binary)
	cmd.Env = append(append(os.Environ()[:0:0], env...), "AWS_LAMBDA_RUNTIME_API="+l.Addr().String())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	start = time.Now()
	if err := cmd.Start(); err != nil {
		return Result{}, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-done:
	case err := <-exited:
		return Result{}, fmt.Errorf("%s exited before answering: %v: %s", binary, err, stderr.String())
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		return Result{}, fmt.Errorf("%s did not answer within 30s: %s", binary, stderr.String())
	}
	_ = cmd.Process.Kill()
	<-exited
	mu.Lock()
	defer mu.Unlock()
	return res, nil
}
