// Package eventfile loads the sample API Gateway events of events/, so tests
// and `sam local invoke` share them and a stale sample breaks a test.
package eventfile

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/tallyhq/tally/infra/sam"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Load decodes events/<name>.json into an HTTP API request.
func Load(t testing.TB, name string) apigw.Request {
	t.Helper()
	path, err := sam.RepoFile("events/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var req apigw.Request
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return req
}
