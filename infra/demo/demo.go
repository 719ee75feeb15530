// Package demo is the demo program: the worked examples of SPEC sections 6
// and 9, loaded by the dev server and used by tests.
package demo

import (
	_ "embed"

	"github.com/tallyhq/tally/shared/program"
)

// YAML is the demo program file.
//
//go:embed program.yaml
var YAML []byte

// Program parses the demo program (it is valid; a test says so).
func Program() *program.Program {
	p, err := program.Parse(YAML)
	if err != nil {
		panic(err)
	}
	return p
}

// Keys are the demo API keys by affiliate code or owner name.
var Keys = map[string]string{
	"jane": "dev-jane-key", "bob": "dev-bob-key", "kim": "dev-kim-key", "Accounts": "dev-owner-key",
}
