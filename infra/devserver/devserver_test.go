package devserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally/infra/dynamotest"
	"github.com/tallyhq/tally/infra/sam"
)

// Every function of template.yaml has a handler here, a folder whose
// main.go starts that same handler, and a sam build target in the Makefile.
func TestEveryFunctionIsWiredOnce(t *testing.T) {
	tpl, err := sam.LoadRepo()
	if err != nil {
		t.Fatal(err)
	}
	makefile := readRepoFile(t, "Makefile")
	dirs := map[string]string{}
	for _, id := range tpl.Functions() {
		var dir, main string
		if f, ok := Functions[id]; ok {
			dir, main = f.Dir, f.Main
		} else if a, ok := Authorizers[id]; ok {
			dir, main = a.Dir, a.Main
		} else if b, ok := Background[id]; ok {
			dir, main = b.Dir, b.Main
		} else {
			t.Errorf("%s: no handler in devserver.Functions or Authorizers", id)
			continue
		}
		if other, dup := dirs[dir]; dup {
			t.Errorf("%s and %s share functions/%s", id, other, dir)
		}
		dirs[dir] = id
		src := readRepoFile(t, filepath.Join("functions", dir, "main.go"))
		if !strings.Contains(src, "lambda.Start("+main+"(") {
			t.Errorf("functions/%s/main.go does not start %s", dir, main)
		}
		if !strings.Contains(makefile, "build-"+id+": ; $(call lambda,"+dir+")") {
			t.Errorf("Makefile has no `build-%s: ; $(call lambda,%s)` target for sam build", id, dir)
		}
	}
	if n := len(Functions) + len(Authorizers) + len(Background); n != len(tpl.Functions()) {
		t.Errorf("devserver knows %d functions, template.yaml has %d", n, len(tpl.Functions()))
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
