package jsonbody

import (
	"errors"
	"strings"
	"testing"

	"github.com/tallyhq/tally/shared/web/apierr"
)

func TestDecodeRefusesWhatCouldBeReadTwoWays(t *testing.T) {
	for _, c := range []struct {
		name, body string
		ok         bool
	}{
		{"one object", `{"a":1,"b":{"c":[1,{"d":2}]}}`, true},
		{"trailing spaces and newlines", "{\"a\":1} \r\n\t", true},
		{"same key in sibling objects", `{"items":[{"sku":"A"},{"sku":"B"}]}`, true},
		{"a key twice at the top", `{"affiliate":"jane","affiliate":"bob"}`, false},
		{"a key twice, once escaped", `{"affiliate":"jane","\u0061ffiliate":"bob"}`, false},
		{"a key twice in a nested object", `{"contact":{"email":"a@b.c","email":"x@y.z"}}`, false},
		{"a key twice in an object in an array", `{"items":[{"sku":"A","quantity":1,"quantity":9}]}`, false},
		{"a second object", `{"a":1}{"a":2}`, false},
		{"a closing brace after the object", `{"a":1}}`, false},
		{"a closing bracket after the object", `{"a":1}]`, false},
		{"a comma after the object", `{"a":1},`, false},
		{"a number after the object", `{"a":1} 2`, false},
		{"not an object", `[{"a":1}]`, false},
		{"truncated", `{"a":`, false},
	} {
		_, _, err := Decode([]byte(c.body))
		if c.ok != (err == nil) {
			t.Errorf("%s: %s: err %v", c.name, c.body, err)
			continue
		}
		var ae *apierr.Error
		if err != nil && (!errors.As(err, &ae) || ae.Code != "invalid_json") {
			t.Errorf("%s: want invalid_json, got %v", c.name, err)
		}
	}
}

func TestDecodeNamesTheDuplicateKey(t *testing.T) {
	_, _, err := Decode([]byte(`{"items":[{"sku":"A"},{"sku":"B","sku":"C"}]}`))
	if err == nil || !strings.Contains(err.Error(), `items[1].sku`) {
		t.Fatalf("err %v, want it to name items[1].sku", err)
	}
}
