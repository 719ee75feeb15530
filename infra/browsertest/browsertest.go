// Package browsertest drives headless Chromium (Debian's package) for the
// portal's tests with chromedp. chromedp is pinned at v0.23: its generic
// action API (chromedp.Run returns the value) — the releases with the older
// pointer-filling API need a newer Go than this project's. `make test`
// installs Chromium when missing; without it these tests fail, never skip.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser starts a headless Chromium for one test and returns a tab's
// context. The flags keep it off the network (this machine has none but
// loopback) and out of the sandbox it cannot have as root. A test that
// hangs is stopped after 3 minutes.
func Browser(t testing.TB) context.Context {
	t.Helper()
	return BrowserFor(t, 3*time.Minute)
}

// BrowserFor is Browser for a test that takes longer (one that writes
// thousands of affiliates while its tab is open): stopped after d.
func BrowserFor(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	path := os.Getenv("TALLY_TEST_CHROMIUM")
	if path == "" {
		if p, err := exec.LookPath("chromium"); err == nil {
			path = p
		}
	}
	if path == "" {
		t.Fatal("Chromium not found: the browser tests need it; `make test` installs it (apt-get install -y chromium)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, d)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("Chromium at %s did not start: %v", path, err)
	}
	return ctx
}

// Screenshot saves a full-page PNG of the current page at a width.
func Screenshot(t testing.TB, ctx context.Context, width int64, file string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 is PNG
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Violation is one accessibility problem axe-core found.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  int    `json:"nodes"`
}

// Axe injects axe-core (the npm package; `make test` installs it and sets
// TALLY_TEST_AXE) into the current page through DevTools, which the page's
// Content-Security-Policy does not govern, and returns its violations.
func Axe(t testing.TB, ctx context.Context) []Violation {
	t.Helper()
	path := os.Getenv("TALLY_TEST_AXE")
	if path == "" {
		t.Fatal("TALLY_TEST_AXE is not set: `make test` installs axe-core and sets it")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](string(src))); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	js := `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length})))`
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	return vs
}

// Violations describes every violation, whatever its impact: a page passes
// axe-core only with none.
func Violations(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, fmt.Sprintf("%s (%s, %d nodes): %s", v.ID, v.Impact, v.Nodes, v.Help))
	}
	return out
}
