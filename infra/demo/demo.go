// Package demo is the demo program (the worked examples of SPEC sections 6
// and 9) and what is built on it: its activity played through the handlers,
// and program variants and stand-ins for tests and benchmarks.
package demo

import (
	_ "embed"
	"fmt"

	"github.com/tallyhq/tally/shared/domain/program"
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

// WideProgram is the demo program with twenty speaker products of bob's
// (EXTRA-0..EXTRA-19) that jane earns on too: each line of an order writes
// two commissions, the most a line can. Cost measurements use it.
func WideProgram() *program.Program {
	p := Program()
	for i := range 20 {
		p.Products = append(p.Products, program.Product{SKU: fmt.Sprintf("EXTRA-%d", i), Name: "Extra", Event: "summit-2026",
			Kind: program.KindSpeakerProduct, Speaker: "bob", PriceCents: 1000})
	}
	std, _ := p.Plan("standard")
	std.RatesBP[program.KindSpeakerProduct] = 1000
	return p
}
