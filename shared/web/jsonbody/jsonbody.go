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
	"fmt"

	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/web/apierr"
)

// Decode parses a body that must be exactly one JSON object, keeping
// numbers exact, and returns it with the SHA-256 (hex) of its canonical
// JSON. Malformed JSON, anything but an object, anything after it, or a key
// twice in one object (at any depth) is invalid_json: encoding/json would
// keep the last of two keys, so a signed body could say one thing to its
// sender's checks and another to Tally.
func Decode(body []byte) (map[string]any, string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, "", apierr.BadRequest("invalid_json", "body is not valid JSON: %v", err)
	}
	if rest := body[dec.InputOffset():]; len(bytes.Trim(rest, " \t\r\n")) > 0 {
		return nil, "", apierr.BadRequest("invalid_json", "body has data after the JSON object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, "", apierr.BadRequest("invalid_json", "body must be a JSON object")
	}
	if err := noDuplicates(json.NewDecoder(bytes.NewReader(body)), ""); err != nil {
		return nil, "", apierr.BadRequest("invalid_json", "%v", err)
	}
	canon, err := json.Marshal(m) // maps marshal with sorted keys
	if err != nil {
		return nil, "", apierr.BadRequest("invalid_json", "body is not valid JSON")
	}
	sum := sha256.Sum256(canon)
	return m, hex.EncodeToString(sum[:]), nil
}

// noDuplicates reads one value (already known to be valid JSON, so nested
// no deeper than encoding/json allows) and fails on an object that has a key
// twice. Keys are compared decoded, so "a" and "\u0061" are the same key.
func noDuplicates(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := k.(string)
			at := key
			if path != "" {
				at = path + "." + key
			}
			if seen[key] {
				return fmt.Errorf("key %q appears twice", at)
			}
			seen[key] = true
			if err := noDuplicates(dec, at); err != nil {
				return err
			}
		}
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := noDuplicates(dec, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// Into reads an owner's JSON body into v: at most limit bytes (too_large),
// empty as {}, refused as Decode refuses (invalid_json), and no field v
// does not name. It returns the hash of the canonical form.
func Into(body []byte, limit int, v any) (string, error) {
	if len(body) > limit {
		return "", fault.New(fault.TooLarge, "too_large", "body is over %d KB", limit>>10)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	_, hash, err := Decode(body)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return "", fault.Fields(map[string]string{"body": err.Error()})
	}
	return hash, nil
}
