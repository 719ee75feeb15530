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

// An owner's body: what Decode refuses, a field the target does not name,
// and a body over the limit are refused; an empty body is {}.
func TestIntoIsStrict(t *testing.T) {
	type target struct {
		Name string `json:"name"`
	}
	for _, c := range []struct {
		body   string
		status int
	}{
		{`{"name":"a","name":"b"}`, 400},
		{`{"name":"a"} {}`, 400},
		{`{"nme":"a"}`, 400},
		{`{"name":"` + strings.Repeat("x", 100) + `"}`, 413},
	} {
		var v target
		_, err := Into([]byte(c.body), 64, &v)
		if err == nil {
			t.Errorf("%.40s: accepted as %+v", c.body, v)
			continue
		}
		if got := apierr.From(err).Status; got != c.status {
			t.Errorf("%.40s: status %d, %v", c.body, got, err)
		}
	}
	var v target
	if _, err := Into([]byte("  "), 64, &v); err != nil || v.Name != "" {
		t.Errorf("an empty body: %+v %v", v, err)
	}
	if _, err := Into([]byte(`{"name":"zoe"}`), 64, &v); err != nil || v.Name != "zoe" {
		t.Errorf("a good body: %+v %v", v, err)
	}
}
