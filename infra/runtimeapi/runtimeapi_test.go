package runtimeapi

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally/infra/sam"
)

// The authorizer needs no program and no secrets: a cold start of it must
// answer the event it is handed, through this stand-in, as on Lambda.
func TestColdStartOfAFunctionBinary(t *testing.T) {
	root, err := sam.RepoFile("")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin, "./functions/authorizer")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := []string{"TALLY_TABLE=none", "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x",
		"AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:1"}
	res, err := ColdStart(context.Background(), bin, env, []byte(`{"version":"2.0","type":"REQUEST","routeKey":"GET /reports/ledger","headers":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.Init <= 0 || res.FirstInvoke <= 0 {
		t.Fatalf("timings not taken: %+v", res)
	}
	if len(res.Response) == 0 && len(res.Error) == 0 {
		t.Fatal("no answer recorded")
	}
	if !strings.Contains(string(res.Response)+string(res.Error), "isAuthorized") && len(res.Error) == 0 {
		t.Fatalf("unexpected answer %s", res.Response)
	}
}
