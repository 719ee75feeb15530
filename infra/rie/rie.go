// Package rie runs function binaries the way Lambda does: built by the
// Makefile's `build-<LogicalId>` targets, exactly as `sam build` builds them
// (for this machine's architecture), and started under AWS's Lambda Runtime
// Interface Emulator (github.com/aws/aws-lambda-runtime-interface-emulator),
// which speaks the Runtime API to the binary and takes invocations over
// HTTP. infra/scripts/rie.sh installs the emulator and sets TALLY_TEST_RIE.
package rie

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// EnvBinary names the variable that holds the emulator's path.
const EnvBinary = "TALLY_TEST_RIE"

// Binary is the emulator's path from the environment.
func Binary() (string, error) {
	p := os.Getenv(EnvBinary)
	if p == "" {
		return "", fmt.Errorf("%s is not set: these tests run function binaries under the Lambda runtime emulator; run them with `make test`, which installs it (infra/scripts/rie.sh)", EnvBinary)
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s: %w", EnvBinary, err)
	}
	return p, nil
}

// Build builds each function's bootstrap with `make build-<id>` into
// dir/<id>/bootstrap for linux/goarch ("" = this machine's), two at a time
// (the machine's cores are shared), and returns their paths by ID.
func Build(ctx context.Context, root, dir, goarch string, ids []string) (map[string]string, error) {
	if goarch == "" {
		goarch = runtime.GOARCH
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
		sem  = make(chan struct{}, 2)
	)
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			art := filepath.Join(dir, id)
			cmd := exec.CommandContext(ctx, "make", "-s", "build-"+id, "ARTIFACTS_DIR="+art, "LAMBDA_GOARCH="+goarch)
			cmd.Dir = root
			b, err := cmd.CombinedOutput()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("make build-%s: %v\n%s", id, err, b))
				return
			}
			out[id] = filepath.Join(art, "bootstrap")
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// Function is one bootstrap running under the emulator.
type Function struct {
	url    string
	cmd    *exec.Cmd
	log    *syncBuffer
	exited chan struct{}
}

// Start runs bootstrap under the emulator at rie with exactly env (the
// function's variables and AWS settings; the emulator passes its own
// environment on to the function), on free local ports. The function
// itself starts at the first invocation, as on Lambda.
func Start(ctx context.Context, rie, bootstrap string, env []string) (*Function, error) {
	// A port found free may be taken by another test before the emulator
	// binds it: then it exits at once, and it is started again on others.
	for try := 1; ; try++ {
		f, err := start(ctx, rie, bootstrap, env)
		if err == nil || try == 5 || !strings.Contains(err.Error(), "address already in use") {
			return f, err
		}
	}
}

func start(ctx context.Context, rie, bootstrap string, env []string) (*Function, error) {
	apiAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	f := &Function{url: "http://" + addr + "/2015-03-31/functions/function/invocations", log: &syncBuffer{}, exited: make(chan struct{})}
	f.cmd = exec.Command(rie, "--log-level", "info", "--runtime-api-address", apiAddr, "--runtime-interface-emulator-address", addr, bootstrap)
	f.cmd.Dir = filepath.Dir(bootstrap)
	f.cmd.Env = env
	f.cmd.Stdout, f.cmd.Stderr = f.log, f.log
	// Its own process group: stopping it stops the function it started.
	f.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := f.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = f.cmd.Wait(); close(f.exited) }()
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return f, nil
		}
		select {
		case <-f.exited:
			return nil, fmt.Errorf("the emulator exited: %s", f.log.String())
		case <-ctx.Done():
			f.Stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Invoke hands the function one event and returns what it answered: its
// response, or Lambda's error document ({"errorMessage", "errorType"}) when
// the handler returned an error.
func (f *Function) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(event))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return b, fmt.Errorf("emulator answered %d: %s", resp.StatusCode, b)
	}
	return b, nil
}

// Log is what the emulator and the function printed so far.
func (f *Function) Log() string { return f.log.String() }

// Stop ends the emulator and the function.
func (f *Function) Stop() {
	if f.cmd.Process != nil {
		_ = syscall.Kill(-f.cmd.Process.Pid, syscall.SIGKILL)
	}
	<-f.exited
}

// ColdStart is one function's first invocation as the emulator timed it.
type ColdStart struct {
	Init     time.Duration // the binary's start until it asked for work
	Invoke   time.Duration // the event handed over until the answer
	Response []byte
}

var (
	initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
	invokeDone = regexp.MustCompile(`INVOKE RTDONE\(status: \w+, produced bytes: \d+, duration: ([0-9.]+)ms\)`)
)

// Cold starts bootstrap under the emulator, invokes it once with event and
// reads the emulator's own timing of the init and the invoke.
func Cold(ctx context.Context, rie, bootstrap string, env []string, event []byte) (ColdStart, error) {
	f, err := Start(ctx, rie, bootstrap, env)
	if err != nil {
		return ColdStart{}, err
	}
	defer f.Stop()
	resp, err := f.Invoke(ctx, event)
	if err != nil {
		return ColdStart{}, err
	}
	// The emulator prints its report lines after answering.
	var cs ColdStart
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		log := f.Log()
		i, v := initReport.FindStringSubmatch(log), invokeDone.FindStringSubmatch(log)
		if i != nil && v != nil {
			cs = ColdStart{Init: ms(i[1]), Invoke: ms(v[1]), Response: resp}
			break
		}
		if time.Now().After(deadline) {
			return ColdStart{}, errors.New("the emulator printed no INIT REPORT and INVOKE RTDONE lines:\n" + log)
		}
	}
	return cs, nil
}

func ms(s string) time.Duration {
	v, _ := strconv.ParseFloat(s, 64)
	return time.Duration(v * float64(time.Millisecond))
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// syncBuffer collects the output of the emulator and the function, which
// write from their own goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
