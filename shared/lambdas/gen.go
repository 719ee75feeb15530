//go:build ignore

// gen writes functions/<Dir>/main.go for every function of lambdas.All and
// the Makefile's sam build targets: `go generate ./shared/lambdas`.
package main

import (
	"log"
	"os"
	"path/filepath"

	"github.com/tallyhq/tally/shared/lambdas"
)

func main() {
	root := filepath.Join("..", "..")
	for _, f := range lambdas.All {
		src, err := lambdas.MainFile(f)
		if err != nil {
			log.Fatal(err)
		}
		dir := filepath.Join(root, "functions", f.Dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	mk := filepath.Join(root, "Makefile")
	old, err := os.ReadFile(mk)
	if err != nil {
		log.Fatal(err)
	}
	out, err := lambdas.WithTargets(string(old))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(mk, []byte(out), 0o644); err != nil {
		log.Fatal(err)
	}
}
