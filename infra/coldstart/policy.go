package coldstart

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tallyhq/tally/infra/sam"
)

// tableID is the table's logical ID in template.yaml.
const tableID = "Table"

// HashKeys are the partition attributes of the table ("") and of each of
// its global secondary indexes, by index name, as template.yaml declares.
func HashKeys(r sam.Raw) (map[string]string, error) {
	props := r.Props(tableID)
	out := map[string]string{}
	hash := func(schema any) string {
		for _, k := range sam.List(schema) {
			if sam.Path(k, "KeyType") == "HASH" {
				s, _ := sam.Path(k, "AttributeName").(string)
				return s
			}
		}
		return ""
	}
	if out[""] = hash(props["KeySchema"]); out[""] == "" {
		return nil, fmt.Errorf("template.yaml: %s has no partition key", tableID)
	}
	for _, ix := range sam.List(props["GlobalSecondaryIndexes"]) {
		name, _ := sam.Path(ix, "IndexName").(string)
		if out[name] = hash(sam.Path(ix, "KeySchema")); out[name] == "" {
			return nil, fmt.Errorf("template.yaml: index %q has no partition key", name)
		}
	}
	return out, nil
}

// Allowed says whether statements allow a call: an Allow statement with
// its action, on its table or index, and, unless the statement has no
// dynamodb:LeadingKeys condition, a key one of its patterns matches. A call
// that names no key (Scan) needs a statement without the condition: it
// reads every partition.
func Allowed(statements []sam.Statement, c Call) bool {
	for _, s := range statements {
		if s.Effect != "Allow" || !slices.ContainsFunc(s.Actions, func(a string) bool { return a == "dynamodb:"+c.Action || a == "dynamodb:*" || a == "*" }) {
			continue
		}
		if !slices.ContainsFunc(s.Resources, func(res string) bool { return onResource(res, c.Index) }) {
			continue
		}
		keys := s.LeadingKeys()
		if keys == nil {
			return true
		}
		if c.Keyless && c.Action != "Scan" {
			return true // DescribeTable and the like read no item
		}
		if !c.Keyless && slices.ContainsFunc(keys, func(p string) bool { return Like(p, c.Key) }) {
			return true
		}
	}
	return false
}

// onResource says whether a statement's resource (as sam.Statement holds
// it: "*", a logical ID, or a !Sub's text) covers the table (index "") or
// an index.
func onResource(res, index string) bool {
	switch {
	case res == "*":
		return true
	case index == "":
		return res == tableID
	default:
		return res == "${"+tableID+".Arn}/index/*" || res == "${"+tableID+".Arn}/index/"+index
	}
}

// Like is IAM's StringLike: "*" matches any run of characters, "?" any one.
func Like(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if Like(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && Like(pattern[1:], s[1:])
	default:
		return s != "" && s[0] == pattern[0] && Like(pattern[1:], s[1:])
	}
}

// Violations are the calls a function's statements do not allow, in the
// order first made: one line for the calls of one action on one key prefix,
// naming the first key and how many others there were.
func Violations(statements []sam.Statement, calls []Call) []string {
	type group struct {
		first Call
		keys  map[string]bool
	}
	var order []Call
	groups := map[Call]*group{}
	for _, c := range calls {
		if Allowed(statements, c) {
			continue
		}
		g := c
		g.Key = Prefix(c.Key)
		if groups[g] == nil {
			groups[g] = &group{first: c, keys: map[string]bool{}}
			order = append(order, g)
		}
		groups[g].keys[c.Key] = true
	}
	var out []string
	for _, g := range order {
		line := groups[g].first.String()
		if n := len(groups[g].keys) - 1; n > 0 {
			line += fmt.Sprintf(" (and %d other keys under %s)", n, g.Key)
		}
		out = append(out, line)
	}
	return out
}

// Prefix is a key's prefix up to and with its first "#" (the key itself
// when it has none): what a LeadingKeys pattern names.
func Prefix(key string) string {
	if i := strings.IndexByte(key, '#'); i >= 0 {
		return key[:i+1]
	}
	return key
}
