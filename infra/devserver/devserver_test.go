package devserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/lambdas"
)

// Every function of template.yaml has a handler in lambdas.All, with the
// trigger the template gives it, a folder whose main.go starts that same
// handler, and a sam build target in the Makefile.
func TestEveryFunctionIsWiredOnce(t *testing.T) {
	tpl, err := sam.LoadRepo()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sam.LoadRepoRaw()
	if err != nil {
		t.Fatal(err)
	}
	triggers := map[string]map[string]bool{}
	for _, tr := range raw.Triggers() {
		if triggers[tr.Function] == nil {
			triggers[tr.Function] = map[string]bool{}
		}
		triggers[tr.Function][tr.Type] = true
	}
	makefile := readRepoFile(t, "Makefile")
	dirs := map[string]string{}
	for _, id := range tpl.Functions() {
		f, ok := lambdas.Find(id)
		if !ok {
			t.Errorf("%s: no handler in lambdas.All", id)
			continue
		}
		if tr := f.Trigger(); len(triggers[id]) != 1 || !triggers[id][string(tr)] {
			t.Errorf("%s: template.yaml triggers it by %v, lambdas.All has a %q constructor", id, triggers[id], tr)
		}
		if other, dup := dirs[f.Dir]; dup {
			t.Errorf("%s and %s share functions/%s", id, other, f.Dir)
		}
		dirs[f.Dir] = id
		pkg, name := f.Constructor()
		main := path.Base(pkg) + "." + name
		src := readRepoFile(t, filepath.Join("functions", f.Dir, "main.go"))
		if !strings.Contains(src, "lambda.Start("+main+"(") || !strings.Contains(src, strconv.Quote(pkg)) {
			t.Errorf("functions/%s/main.go does not start %s", f.Dir, main)
		}
		if !strings.Contains(makefile, "build-"+id+": ; $(call lambda,"+f.Dir+")") {
			t.Errorf("Makefile has no `build-%s: ; $(call lambda,%s)` target for sam build", id, f.Dir)
		}
	}
	if n := len(lambdas.All); n != len(tpl.Functions()) {
		t.Errorf("lambdas.All has %d functions, template.yaml has %d", n, len(tpl.Functions()))
	}
	entries, _ := os.ReadDir(filepath.Dir(repoPath(t, "functions/x")))
	for _, e := range entries {
		if _, ok := dirs[e.Name()]; !ok {
			t.Errorf("functions/%s is not a function of template.yaml", e.Name())
		}
	}
}

func TestServesEveryRouteOfTheTemplate(t *testing.T) {
	ctx := context.Background()
	for _, backend := range []string{"embedded", "dynamodb-local"} {
		t.Run(backend, func(t *testing.T) {
			o := Options{}
			if backend == "dynamodb-local" {
				o.DynamoDBEndpoint = dynamotest.Endpoint(t)
				o.Table = dynamotest.NewTable(t, dynamotest.Client(t))
			}
			srv, err := New(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			ts := httptest.NewServer(srv.Handler())
			defer ts.Close()
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			if len(srv.Routes) < 11 {
				t.Fatalf("only %d routes", len(srv.Routes))
			}
			for _, r := range srv.Routes {
				path := strings.NewReplacer("{event}", "summit-2026", "{affiliate}", "jane", "{code}", "nope").Replace(r.Path)
				req, _ := http.NewRequest(r.Method, ts.URL+path, strings.NewReader("{}"))
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				// A route that exists never answers API Gateway's own 404.
				if resp.StatusCode == http.StatusNotFound && resp.Header.Get("Content-Type") == "application/json" && r.Authorizer == "" && !strings.HasPrefix(r.Path, "/webhooks") {
					t.Errorf("%s %s: 404", r.Method, path)
				}
			}
			resp, err := client.Get(ts.URL + "/no/such/route")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("unknown route: %d", resp.StatusCode)
			}
		})
	}
}

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(repoPath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func repoPath(t *testing.T, name string) string {
	t.Helper()
	p, err := sam.RepoFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The dev server runs the daily schedules of template.yaml, and refuses any
// other kind rather than run it at the wrong time.
func TestDailySchedules(t *testing.T) {
	for expr, want := range map[string][2]int{"cron(0 8 * * ? *)": {8, 0}, "cron(30 23 * * ? *)": {23, 30}} {
		if h, m, err := daily(expr); err != nil || h != want[0] || m != want[1] {
			t.Errorf("%s: %d:%d %v", expr, h, m, err)
		}
	}
	for _, expr := range []string{"rate(1 day)", "cron(0 8 ? * MON *)", "cron(0 24 * * ? *)", "cron(0 -1 * * ? *)", "cron(0 8 * * ? *"} {
		if _, _, err := daily(expr); err == nil {
			t.Errorf("%s: accepted", expr)
		}
	}
}

// The dev server runs rate schedules (the leaderboard snapshot's
// rate(1 minute)) at their rate, and refuses what AWS refuses.
func TestRateSchedules(t *testing.T) {
	for expr, want := range map[string]time.Duration{"rate(1 minute)": time.Minute, "rate(5 minutes)": 5 * time.Minute, "rate(2 hours)": 2 * time.Hour, "rate(1 day)": 24 * time.Hour} {
		if d, ok := rate(expr); !ok || d != want {
			t.Errorf("%s: %v %v", expr, d, ok)
		}
	}
	for _, expr := range []string{"rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(1 fortnight)", "rate(1 minute", "cron(0 8 * * ? *)"} {
		if _, ok := rate(expr); ok {
			t.Errorf("%s: accepted", expr)
		}
	}
}
