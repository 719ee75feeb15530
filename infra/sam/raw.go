package sam

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Raw is template.yaml as written: plain maps, lists and scalars, with each
// short-form intrinsic (!Ref, !GetAtt, !Sub, !If, ...) turned into its long
// form ({"Ref": x}, {"Fn::GetAtt": [x, y]}, ...) and nothing resolved. The
// rules a deployment depends on (permissions, wiring, IAM, retention) are
// checked on it, since goformation resolves or drops what they look at.
type Raw map[string]any

// LoadRaw parses a template file as written.
func LoadRaw(path string) (Raw, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if len(doc.Content) != 1 {
		return nil, fmt.Errorf("%s: not one YAML document", path)
	}
	v, err := plain(doc.Content[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: not a mapping", path)
	}
	return Raw(m), nil
}

// LoadRepoRaw parses the repository's template.yaml as written.
func LoadRepoRaw() (Raw, error) {
	p, err := RepoFile("template.yaml")
	if err != nil {
		return nil, err
	}
	return LoadRaw(p)
}

func plain(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.AliasNode:
		return plain(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := plain(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return intrinsic(n, m)
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := plain(c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return intrinsic(n, l)
	default:
		if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
			if n.Tag == "!GetAtt" {
				id, attr, _ := strings.Cut(n.Value, ".")
				return map[string]any{"Fn::GetAtt": []any{id, attr}}, nil
			}
			return intrinsic(n, n.Value)
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
}

// intrinsic wraps v in the long form of n's short-form tag, if it has one.
func intrinsic(n *yaml.Node, v any) (any, error) {
	tag := n.Tag
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") {
		return v, nil
	}
	name := strings.TrimPrefix(tag, "!")
	switch name {
	case "Ref", "Condition":
		return map[string]any{name: v}, nil
	default:
		return map[string]any{"Fn::" + name: v}, nil
	}
}

// Resources is the Resources section, by logical ID.
func (r Raw) Resources() map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := r["Resources"].(map[string]any)
	for id, v := range res {
		if m, ok := v.(map[string]any); ok {
			out[id] = m
		}
	}
	return out
}

// OfType lists the logical IDs of the resources of a type, sorted.
func (r Raw) OfType(typ string) []string {
	var ids []string
	for id, res := range r.Resources() {
		if res["Type"] == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// Props is a resource's Properties ("" when it has none).
func (r Raw) Props(id string) map[string]any {
	p, _ := r.Resources()[id]["Properties"].(map[string]any)
	return p
}

// Variables are the names of the environment variables a function is
// given: the Globals' and its own, sorted.
func (r Raw) Variables(id string) []string {
	set := map[string]bool{}
	for _, vars := range []any{Path(r, "Globals", "Function", "Environment", "Variables"), Path(r.Props(id), "Environment", "Variables")} {
		m, _ := vars.(map[string]any)
		for k := range m {
			set[k] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Target is the logical ID an intrinsic reference points at: X for
// {"Ref": X} and {"Fn::GetAtt": [X, attr]}, "" for anything else.
func Target(v any) string {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return ""
	}
	if s, ok := m["Ref"].(string); ok {
		return s
	}
	if l, ok := m["Fn::GetAtt"].([]any); ok && len(l) == 2 {
		s, _ := l[0].(string)
		return s
	}
	return ""
}

// Path walks nested maps by key; nil when any step is missing.
func Path(v any, keys ...string) any {
	for _, k := range keys {
		switch m := v.(type) {
		case map[string]any:
			v = m[k]
		case Raw:
			v = m[k]
		default:
			return nil
		}
	}
	return v
}

// List is v as a list: itself when it is one, else a list of v (none for nil).
func List(v any) []any {
	switch l := v.(type) {
	case nil:
		return nil
	case []any:
		return l
	default:
		return []any{v}
	}
}

// Statement is one IAM statement, with Action and Resource as lists.
type Statement struct {
	Effect    string
	Actions   []string
	Resources []string // "*", or the logical ID a reference points at, or the text of a !Sub
	Condition map[string]any
}

// LeadingKeys are the partition keys (patterns such as "AFF#*") a
// statement's dynamodb:LeadingKeys condition allows; nil when it has none.
func (s Statement) LeadingKeys() []string {
	for op, c := range s.Condition {
		if !strings.HasPrefix(op, "ForAllValues:") {
			continue
		}
		if keys := List(Path(c, "dynamodb:LeadingKeys")); keys != nil {
			var out []string
			for _, k := range keys {
				out = append(out, fmt.Sprint(k))
			}
			return out
		}
	}
	return nil
}

// TableWrites are the DynamoDB actions that change an item.
var TableWrites = []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete"}

// MayWrite says whether a function's statements let it change an item
// under partition key pk.
func (r Raw) MayWrite(fn, pk string) bool {
	for _, s := range r.FunctionStatements(fn) {
		if s.Effect != "Allow" || !slices.ContainsFunc(s.Actions, func(a string) bool { return slices.Contains(TableWrites, a) }) {
			continue
		}
		keys := s.LeadingKeys()
		if keys == nil {
			return true
		}
		for _, k := range keys {
			if k == pk || (strings.HasSuffix(k, "*") && strings.HasPrefix(pk, strings.TrimSuffix(k, "*"))) {
				return true
			}
		}
	}
	return false
}

// FunctionStatements are the statements of a function's inline policies.
func (r Raw) FunctionStatements(fn string) []Statement {
	var out []Statement
	for _, p := range List(r.Props(fn)["Policies"]) {
		out = append(out, parseStatements(Path(p, "Statement"))...)
	}
	return out
}

// RoleStatements are the statements of an IAM role's inline policies.
func (r Raw) RoleStatements(role string) []Statement {
	var out []Statement
	for _, p := range List(r.Props(role)["Policies"]) {
		out = append(out, parseStatements(Path(p, "PolicyDocument", "Statement"))...)
	}
	return out
}

func parseStatements(v any) []Statement {
	var out []Statement
	for _, raw := range List(v) {
		m, _ := raw.(map[string]any)
		c, _ := m["Condition"].(map[string]any)
		s := Statement{Condition: c}
		s.Effect, _ = m["Effect"].(string)
		for _, a := range List(m["Action"]) {
			s.Actions = append(s.Actions, fmt.Sprint(a))
		}
		for _, res := range List(m["Resource"]) {
			switch {
			case res == "*":
				s.Resources = append(s.Resources, "*")
			case Target(res) != "":
				s.Resources = append(s.Resources, Target(res))
			default:
				s.Resources = append(s.Resources, fmt.Sprint(Path(res, "Fn::Sub")))
			}
		}
		out = append(out, s)
	}
	return out
}
