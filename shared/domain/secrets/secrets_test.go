package secrets

import (
	"crypto/rand"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	random := make([]byte, 24)
	for i := 0; i < 1000; i++ {
		if _, err := rand.Read(random); err != nil {
			t.Fatal(err)
		}
		if err := Check(random, 24); err != nil {
			t.Fatalf("24 random bytes refused: %v", err)
		}
	}
	for name, c := range map[string]struct {
		s   string
		min int
		ok  bool
	}{
		"23 bytes":             {strings.Repeat("x", 23), 24, false},
		"one letter":           {strings.Repeat("a", 40), 24, false},
		"a word repeated":      {strings.Repeat("changeme", 5), 24, false},
		"a short run repeated": {strings.Repeat("0123456789", 4), 24, false},
		"under the asked 32":   {"Xk3p9QwZr7Lm2NvB8cTy4HdJ6sFa1Ge", 32, false},
		"a floor below 24":     {"Xk3p9QwZr7Lm2NvB8cT", 8, false},
		"32 mixed characters":  {"Xk3p9QwZr7Lm2NvB8cTy4HdJ6sFa1GeU", 32, true},
		"a test's long phrase": {"test-click-key-0123456789abcdef0123456789", 32, true},
	} {
		if err := Check([]byte(c.s), c.min); (err == nil) != c.ok {
			t.Errorf("%s: %v", name, err)
		}
	}
}
