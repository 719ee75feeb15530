// Package secrets checks, at a cold start, that a configured secret can be
// what it claims: at least 24 bytes, and not plainly made by hand. A random
// 24-byte secret has about 23 different byte values; "changeme" repeated,
// a keyboard run or one letter many times have a handful. It is a floor
// against a placeholder left in place, not a measure of randomness.
package secrets

import "fmt"

// MinBytes is the shortest secret accepted.
const MinBytes = 24

// minDistinct is the fewest different byte values a secret must hold; 24
// random bytes fall under it about once in 10^13.
const minDistinct = 12

// Check says why b cannot be a random secret of at least min bytes (never
// anything of its content), or nil.
func Check(b []byte, min int) error {
	if min < MinBytes {
		min = MinBytes
	}
	if len(b) < min {
		return fmt.Errorf("is %d bytes; need at least %d random bytes", len(b), min)
	}
	var seen [256]bool
	n := 0
	for _, c := range b {
		if !seen[c] {
			seen[c] = true
			n++
		}
	}
	if n < minDistinct {
		return fmt.Errorf("has only %d different byte values: not random (use e.g. `openssl rand -base64 32`)", n)
	}
	return nil
}
