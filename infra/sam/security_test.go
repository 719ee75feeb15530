package sam

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7/cloudformation/policies"
	"github.com/awslabs/goformation/v7/cloudformation/serverless"
)

// statement is one IAM statement of a function's inline policy.
type statement struct {
	Effect    string
	Action    []string
	Condition map[string]map[string][]string
}

// leading is the partition keys a statement reaches ("" when unbounded).
func (s statement) leading() []string {
	for op, c := range s.Condition {
		if strings.HasPrefix(op, "ForAllValues:") {
			return c["dynamodb:LeadingKeys"]
		}
	}
	return nil
}

func statements(t *testing.T, f *serverless.Function) []statement {
	t.Helper()
	var out []statement
	if f.Policies == nil {
		return nil
	}
	var docs []serverless.Function_IAMPolicyDocument
	if f.Policies.IAMPolicyDocument != nil {
		docs = append(docs, *f.Policies.IAMPolicyDocument)
	}
	if f.Policies.IAMPolicyDocumentArray != nil {
		docs = append(docs, *f.Policies.IAMPolicyDocumentArray...)
	}
	for _, d := range docs {
		for _, raw := range d.Statement {
			b, _ := json.Marshal(raw)
			// Action and LeadingKeys are lists in the template; Resource is not read.
			var s statement
			if err := json.Unmarshal(b, &s); err != nil {
				t.Fatalf("statement %s: %v", b, err)
			}
			out = append(out, s)
		}
	}
	return out
}

// reaches says whether a function may do action on items under a partition
// key (a pattern of the template, such as "IDEM#*", or a literal key).
func reaches(t *testing.T, f *serverless.Function, action, key string) bool {
	for _, s := range statements(t, f) {
		if s.Effect != "Allow" || !slices.Contains(s.Action, action) {
			continue
		}
		keys := s.leading()
		if keys == nil {
			return true // no condition: every item
		}
		for _, k := range keys {
			if k == key || (strings.HasSuffix(k, "*") && strings.HasPrefix(key, strings.TrimSuffix(k, "*"))) {
				return true
			}
		}
	}
	return false
}

func loadForTest(t *testing.T) *Template {
	t.Helper()
	tpl, err := LoadRepo()
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func function(t *testing.T, tpl *Template, id string) *serverless.Function {
	t.Helper()
	f, err := tpl.cf.GetServerlessFunctionWithName(id)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// The table outlives its stack: every affiliate's money history is in it.
func TestTableIsRetained(t *testing.T) {
	tpl := loadForTest(t)
	for name, tb := range tpl.cf.GetAllDynamoDBTableResources() {
		if tb.AWSCloudFormationDeletionPolicy != policies.DeletionPolicy("Retain") {
			t.Errorf("%s: DeletionPolicy %q, want Retain", name, tb.AWSCloudFormationDeletionPolicy)
		}
		if tb.AWSCloudFormationUpdateReplacePolicy != policies.UpdateReplacePolicy("Retain") {
			t.Errorf("%s: UpdateReplacePolicy %q, want Retain", name, tb.AWSCloudFormationUpdateReplacePolicy)
		}
	}
}

func TestLeastPrivilege(t *testing.T) {
	tpl := loadForTest(t)
	writes := []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}

	// payout-create deletes only idempotency keys, never a ledger item or
	// anything else.
	create := function(t, tpl, "AdminPayoutCreateFunction")
	if !reaches(t, create, "dynamodb:DeleteItem", "IDEM#k") {
		t.Error("payout-create cannot free an idempotency key")
	}
	for _, key := range []string{"AFF#jane", "PAYOUT#p1", "PAYOUTS", "PROGRAM", "OPEN#jane", "STATS#jane"} {
		if reaches(t, create, "dynamodb:DeleteItem", key) {
			t.Errorf("payout-create may delete %s items", key)
		}
	}
	// The adjustment function writes its record and entry, never the program.
	adj := function(t, tpl, "AdminAdjustmentFunction")
	for _, w := range writes {
		if reaches(t, adj, w, "PROGRAM") {
			t.Errorf("adjustment may %s the program", w)
		}
	}
	if !reaches(t, adj, "dynamodb:PutItem", "ADJ#a1") || !reaches(t, adj, "dynamodb:PutItem", "AFF#jane") {
		t.Error("adjustment cannot write its record and entry")
	}
	// commission-structure and links read only the program (the rules, and
	// the affiliate with its links by key), and write nothing.
	for _, id := range []string{"CommissionStructureReportFunction", "LinksReportFunction"} {
		f := function(t, tpl, id)
		for _, s := range statements(t, f) {
			if k := s.leading(); len(k) != 1 || k[0] != "PROGRAM" {
				t.Errorf("%s reaches %v, want only PROGRAM", id, k)
			}
			for _, a := range s.Action {
				if a != "dynamodb:GetItem" && a != "dynamodb:Query" && a != "dynamodb:BatchGetItem" {
					t.Errorf("%s may %s", id, a)
				}
			}
		}
	}
	// The session key only where sessions are signed or checked.
	signers := []string{"AuthorizerFunction", "LoginLinkSubmitFunction", "LoginCodeFunction", "LogoutFunction"}
	for name, f := range tpl.cf.GetAllServerlessFunctionResources() {
		has := false
		if f.Environment != nil {
			_, has = f.Environment.Variables["TALLY_SESSION_KEY"]
		}
		if has != slices.Contains(signers, name) {
			t.Errorf("%s: has the session key = %v", name, has)
		}
	}
}

// Secrets of at least 24 random bytes: the template refuses shorter ones.
func TestSecretParameters(t *testing.T) {
	tpl := loadForTest(t)
	pattern := func(name string) *regexp.Regexp {
		if p := tpl.cf.Parameters[name]; p.NoEcho == nil || !*p.NoEcho {
			t.Errorf("parameter %s is not NoEcho", name)
		}
		return allowedPattern(t, tpl, name)
	}
	webhook := pattern("WebhookSecret")
	for v, ok := range map[string]bool{
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw":                                        true,  // 24 bytes
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD": true,  // a rotation
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La":                                            false, // 19 bytes
		"whsec_c2VjcmV0":                                                                false,
		"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw":                                              false,
	} {
		if webhook.MatchString(v) != ok {
			t.Errorf("WebhookSecret %q: accepted = %v", v, !ok)
		}
	}
	click := pattern("ClickKey")
	for v, ok := range map[string]bool{
		"Xk3p9QwZr7Lm2NvB8cTy4HdJ6sFa1GeU":                                  true,
		"Xk3p9QwZr7Lm2NvB8cTy4HdJ6sFa1GeU Ge1aFs6JdH4yTc8BvN2mL7rZwQUxk3p9": true,
		"short-key": false,
	} {
		if click.MatchString(v) != ok {
			t.Errorf("ClickKey %q: accepted = %v", v, !ok)
		}
	}
	base := allowedPattern(t, tpl, "PublicBaseUrl")
	for v, ok := range map[string]bool{"": true, "https://tally.example.com": true, "http://tally.example.com": false, "https://x.example/path?q": false} {
		if base.MatchString(v) != ok {
			t.Errorf("PublicBaseUrl %q: accepted = %v", v, !ok)
		}
	}
}

func allowedPattern(t *testing.T, tpl *Template, name string) *regexp.Regexp {
	t.Helper()
	p, ok := tpl.cf.Parameters[name]
	if !ok || p.AllowedPattern == nil {
		t.Fatalf("parameter %s has no AllowedPattern", name)
	}
	return regexp.MustCompile(*p.AllowedPattern)
}

// The Payouts page shows a page of balances: the page's affiliates from
// the program, each one's ledger, and the payouts that took its entries
// (read together in one BatchGetItem), as /admin/balances reads them.
func TestThePayoutsPageMayReadBalances(t *testing.T) {
	tpl := loadForTest(t)
	for _, id := range []string{"AdminPayoutListFunction", "AdminBalancesFunction"} {
		f := function(t, tpl, id)
		for _, need := range [][2]string{{"dynamodb:Query", "PROGRAM"}, {"dynamodb:Query", "AFF#jane"}, {"dynamodb:BatchGetItem", "PAYOUT#p1"}} {
			if !reaches(t, f, need[0], need[1]) {
				t.Errorf("%s cannot %s %s", id, need[0], need[1])
			}
		}
	}
}
