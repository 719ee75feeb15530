package sam

import (
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
