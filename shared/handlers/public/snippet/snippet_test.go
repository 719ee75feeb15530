package snippet

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

func TestScript(t *testing.T) {
	s := Script(45)
	if strings.Contains(s, "__DAYS__") || !strings.Contains(s, "DAYS = 45,") {
		t.Errorf("cookie_days not filled in")
	}
	if strings.Contains(s, "// ") || strings.Contains(s, "/*") {
		t.Errorf("comments left in the served script")
	}
	var b bytes.Buffer
	z, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	z.Write([]byte(s))
	z.Close()
	if b.Len() >= 4096 {
		t.Errorf("%d bytes gzipped", b.Len())
	}
	// What a strict Content-Security-Policy refuses.
	for _, banned := range []string{"eval(", "Function(", "innerHTML", "outerHTML", ".style", "setAttribute(\"on", "document.write", "javascript:"} {
		if strings.Contains(s, banned) {
			t.Errorf("the snippet uses %s", banned)
		}
	}
}
