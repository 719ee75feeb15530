// Package jsonbody reads a request's JSON object and the hash of its
// canonical form, so "the same payload" means the same JSON value whatever
// its key order and spacing (webhooks, payouts and adjustments use it to
// tell a replay from a conflict).
package jsonbody

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/tallyhq/tally/shared/apierr"
)

// Decode parses a body that must be one JSON object, keeping numbers exact,
// and returns it with the SHA-256 (hex) of its canonical JSON. Malformed
// JSON, or anything but an object, is invalid_json.
func Decode(body []byte) (map[string]any, string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, "", apierr.BadRequest("invalid_json", "body is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, "", apierr.BadRequest("invalid_json", "body has more than one JSON value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, "", apierr.BadRequest("invalid_json", "body must be a JSON object")
	}
	canon, err := json.Marshal(m) // maps marshal with sorted keys
	if err != nil {
		return nil, "", apierr.BadRequest("invalid_json", "body is not valid JSON")
	}
	sum := sha256.Sum256(canon)
	return m, hex.EncodeToString(sum[:]), nil
}
