package portal

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"
)

//go:embed assets
var assetFS embed.FS

// Asset is a static file served from the binary under a name that carries
// its content hash, so it can be cached for a year and never goes stale.
type Asset struct {
	Name        string // style.3f2a9c1e.css
	ContentType string
	Body        []byte
}

var assets = func() map[string]Asset {
	m := map[string]Asset{}
	entries, err := fs.ReadDir(assetFS, "assets")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := assetFS.ReadFile("assets/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(e.Name())
		hashed := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:4]) + ext
		ct := "text/css; charset=utf-8"
		if ext == ".js" {
			ct = "text/javascript; charset=utf-8"
		}
		m[e.Name()] = Asset{Name: hashed, ContentType: ct, Body: b}
	}
	return m
}()

// AssetURL is the path of an asset by its plain name ("style.css").
func AssetURL(name string) string { return "/assets/" + assets[name].Name }

// LookupAsset finds an asset by its hashed name.
func LookupAsset(hashed string) (Asset, bool) {
	for _, a := range assets {
		if a.Name == hashed {
			return a, true
		}
	}
	return Asset{}, false
}
