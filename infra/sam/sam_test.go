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
	if len(in.GlobalSecondaryIndexes) != 9 || len(in.KeySchema) != 2 { // ByOrder, Open and the summaries' seven
		t.Fatalf("table %+v", in)
	}
	if tpl.TTLAttribute() != "ttl" {
		t.Fatalf("ttl %q", tpl.TTLAttribute())
	}
}

// Tests create tables from the template in parallel: parsing it at once
// from many goroutines must not crash (goformation is not safe for that;
// without the lock in Load, `go test -race` reports the race every time,
// and the emulator test crashed twice in two runs on a loaded machine).
func TestLoadIsSafeAtOnce(t *testing.T) {
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 4 {
				if _, err := LoadRepo(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}
