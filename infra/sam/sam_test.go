package sam

import (
	"sync"
	"testing"
)

func TestTemplateRoutesAndTable(t *testing.T) {
	tpl, err := LoadRepo()
	if err != nil {
		t.Fatal(err)
	}
	rs := tpl.Routes()
	if len(rs) == 0 {
		t.Fatal("no routes")
	}
	for _, r := range rs {
		t.Logf("%s %s -> %s (auth %q)", r.Method, r.Path, r.Function, r.Authorizer)
	}
	fn, err := tpl.AuthorizerFunction("TallyAuthorizer")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("authorizer fn %q", fn)
	in, err := tpl.Table("x")
	if err != nil {
		t.Fatal(err)
	}
	if len(in.GlobalSecondaryIndexes) != 2 || len(in.KeySchema) != 2 {
		t.Fatalf("table %+v", in)
	}
	if tpl.TTLAttribute() != "ttl" {
		t.Fatalf("ttl %q", tpl.TTLAttribute())
	}
}

// Parallel tests each load the template (dynamotest creates every table
// from it): loads at once must not race in the YAML parser (run with
// -race to see it; without the lock it also crashed the emulator tests).
func TestTemplateLoadsAtOnce(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2 {
				if _, err := LoadRepo(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}
