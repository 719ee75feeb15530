package lambdas

import (
	"os"
	"path/filepath"
	"testing"
)

// root is the repository, from this package's folder (where go test runs).
const root = "../.."

// functions/*/main.go and the Makefile's build targets are what `go
// generate ./shared/lambdas` writes from All: a function added, renamed or
// given another constructor in one place only fails here.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	for _, f := range All {
		want, err := MainFile(f)
		if err != nil {
			t.Error(err)
			continue
		}
		got, err := os.ReadFile(filepath.Join(root, "functions", f.Dir, "main.go"))
		if err != nil || string(got) != string(want) {
			t.Errorf("functions/%s/main.go is not current: run go generate ./shared/lambdas", f.Dir)
		}
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if want, err := WithTargets(string(mk)); err != nil || want != string(mk) {
		t.Errorf("the Makefile's build targets are not current (%v): run go generate ./shared/lambdas", err)
	}
}

func TestEveryFunctionHasOneTriggerAndItsOwnFolder(t *testing.T) {
	ids, dirs := map[string]bool{}, map[string]bool{}
	for _, f := range All {
		if f.Trigger() == "" {
			t.Errorf("%s: not exactly one constructor", f.ID)
		}
		if ids[f.ID] || dirs[f.Dir] {
			t.Errorf("%s (functions/%s) is listed twice", f.ID, f.Dir)
		}
		ids[f.ID], dirs[f.Dir] = true, true
	}
}

func TestConstructorIsNamedFromItsFunction(t *testing.T) {
	f, _ := Find("ClickLongFunction")
	if pkg, name := f.Constructor(); pkg != "github.com/tallyhq/tally/shared/handlers/public/clicks" || name != "Long" {
		t.Errorf("Constructor() = %s, %s", pkg, name)
	}
	if pkg, _ := (Function{}).Constructor(); pkg != "" {
		t.Errorf("a function without a constructor is named %s", pkg)
	}
}
