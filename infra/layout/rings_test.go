// Package layout holds the rule of shared/'s rings (README, Layout): each
// package imports only the rings below its own.
package layout

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/tallyhq/tally/"

// rings, from the bottom.
var rings = []string{"shared/domain", "shared/adapters", "shared/app", "shared/web", "shared/handlers", "shared/lambdas"}

// sideways are the imports allowed inside the handlers ring: the owner's
// views are shaped by the affiliate reports and the checkout code.
var sideways = map[[2]string]bool{
	{"shared/handlers/owner", "shared/handlers/affiliate"}: true,
	{"shared/handlers/owner", "shared/handlers/checkout"}:  true,
}

func ringOf(dir string) int {
	for i, r := range rings {
		if dir == r || strings.HasPrefix(dir, r+"/") {
			return i
		}
	}
	return -1
}

// audience is a handler package's group: shared/handlers/<audience>.
func audience(dir string) string {
	parts := strings.SplitN(dir, "/", 4)
	if len(parts) < 3 {
		return dir
	}
	return strings.Join(parts[:3], "/")
}

func TestEachPackageImportsOnlyTheRingsBelow(t *testing.T) {
	root := filepath.Join("..", "..")
	files := 0
	err := filepath.WalkDir(filepath.Join(root, "shared"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		dir := filepath.ToSlash(rel)
		mine := ringOf(dir)
		if mine < 0 {
			t.Errorf("%s is in no ring: put it in one of %v", dir, rings)
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		for _, is := range f.Imports {
			imp, _ := strconv.Unquote(is.Path.Value)
			if !strings.HasPrefix(imp, module+"shared/") {
				continue
			}
			to := strings.TrimPrefix(imp, module)
			theirs := ringOf(to)
			switch {
			case theirs > mine:
				t.Errorf("%s imports %s: a ring above its own", path, to)
			case theirs == mine && rings[mine] == "shared/handlers" && audience(dir) != audience(to) && !sideways[[2]string{audience(dir), audience(to)}]:
				t.Errorf("%s imports %s: another audience's handlers", path, to)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("read %d files of shared/: the walk missed the tree", files)
	}
}
