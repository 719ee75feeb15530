package main

import (
	"strings"
	"testing"

	"github.com/tallyhq/tally/infra/sam"
)

// The bench starts every function with a value for each variable
// template.yaml gives it: a function added with a new setting cannot stop
// at its cold start in the bench (as ten did, answering 502, before the
// variables came from the template).
func TestEveryFunctionHasItsVariables(t *testing.T) {
	tpl, err := sam.LoadRepo()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sam.LoadRepoRaw()
	if err != nil {
		t.Fatal(err)
	}
	vals := benchVariables("tally-bench")
	for _, id := range tpl.Functions() {
		env, err := functionEnv(raw, id, nil, vals)
		if err != nil {
			t.Error(err)
			continue
		}
		if len(env) != len(raw.Variables(id)) || len(env) == 0 {
			t.Errorf("%s: %d variables set, template gives %d", id, len(env), len(raw.Variables(id)))
		}
		for _, kv := range env {
			if name, v, _ := strings.Cut(kv, "="); v == "" {
				t.Errorf("%s: %s is empty", id, name)
			}
		}
	}
	delete(vals, "TALLY_PAYOUT_QUEUE_URL")
	if _, err := functionEnv(raw, "AdminPayoutCreateFunction", nil, vals); err == nil {
		t.Error("a variable the bench has no value for was not reported")
	}
}
