package coldstart_test

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/infra/coldstart"
	"github.com/tallyhq/tally/infra/sam"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

var hashKeys = map[string]string{"": "PK", "Open": "GSI2PK", "SumByNet": "SUMPK"}

// A request is recorded as IAM authorizes it: each item or key condition
// under its own action, with the partition key it names (a Query's from
// its key condition, through attribute names, on the index's own
// partition attribute).
func TestCallsAreWhatIAMAuthorizes(t *testing.T) {
	rec := &coldstart.Recorder{HashKeys: hashKeys}
	key := func(pk, sk string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"PK": s(pk), "SK": s(sk)}
	}
	for _, tc := range []struct {
		name string
		in   any
		want []coldstart.Call
	}{
		{"get", &dynamodb.GetItemInput{Key: key("AFF#jane", "META")}, []coldstart.Call{{Action: "GetItem", Key: "AFF#jane"}}},
		{"query on the table", &dynamodb.QueryInput{KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :p)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("ENTRY#"), ":pk": s("AFF#kim")}},
			[]coldstart.Call{{Action: "Query", Key: "AFF#kim"}}},
		{"query on an index, by attribute name", &dynamodb.QueryInput{IndexName: aws.String("SumByNet"), KeyConditionExpression: aws.String("#s = :v"),
			ExpressionAttributeNames: map[string]string{"#s": "SUMPK"}, ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("SUMMARY#2026-11")}},
			[]coldstart.Call{{Action: "Query", Index: "SumByNet", Key: "SUMMARY#2026-11"}}},
		{"a transaction's items each under their own action", &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{Item: key("TXN#o-1", "META")}}, {Update: &types.Update{Key: key("STATS#jane", "d")}},
			{ConditionCheck: &types.ConditionCheck{Key: key("PAYOUT#p", "META")}}, {Delete: &types.Delete{Key: key("IDEM#k", "META")}}}},
			[]coldstart.Call{{Action: "PutItem", Key: "TXN#o-1"}, {Action: "UpdateItem", Key: "STATS#jane"}, {Action: "ConditionCheckItem", Key: "PAYOUT#p"}, {Action: "DeleteItem", Key: "IDEM#k"}}},
		{"a transactional read is GetItem", &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{{Get: &types.Get{Key: key("AFF#bob", "META")}}}},
			[]coldstart.Call{{Action: "GetItem", Key: "AFF#bob"}}},
		{"batch get", &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"t": {Keys: []map[string]types.AttributeValue{key("PROGRAM", "A"), key("PAYOUTS", "B")}}}},
			[]coldstart.Call{{Action: "BatchGetItem", Key: "PROGRAM"}, {Action: "BatchGetItem", Key: "PAYOUTS"}}},
		{"a scan names no key", &dynamodb.ScanInput{}, []coldstart.Call{{Action: "Scan", Keyless: true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rec.Calls("op", tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// A statement allows a call when it has the action, covers the table or
// the index, and has no LeadingKeys or one of its patterns matches the key.
func TestAStatementAllowsItsActionsOnItsKeys(t *testing.T) {
	leading := func(keys ...any) map[string]any {
		return map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": keys}}
	}
	table := []sam.Statement{{Effect: "Allow", Actions: []string{"dynamodb:GetItem", "dynamodb:Query"}, Resources: []string{"Table"}, Condition: leading("PROGRAM", "AFF#*")}}
	indexes := []sam.Statement{{Effect: "Allow", Actions: []string{"dynamodb:Query"}, Resources: []string{"Table", "${Table.Arn}/index/*"}, Condition: leading("SUMMARY#*")}}
	anyKey := []sam.Statement{{Effect: "Allow", Actions: []string{"dynamodb:Scan"}, Resources: []string{"Table"}}}
	for _, tc := range []struct {
		name  string
		st    []sam.Statement
		call  coldstart.Call
		allow bool
	}{
		{"exact key", table, coldstart.Call{Action: "GetItem", Key: "PROGRAM"}, true},
		{"a pattern's prefix", table, coldstart.Call{Action: "Query", Key: "AFF#jane"}, true},
		{"a key no pattern matches", table, coldstart.Call{Action: "Query", Key: "SUMMARY#2026-11"}, false},
		{"an exact pattern is not a prefix", table, coldstart.Call{Action: "GetItem", Key: "PROGRAMS"}, false},
		{"an action not granted", table, coldstart.Call{Action: "PutItem", Key: "AFF#jane"}, false},
		{"an index needs the index resource", table, coldstart.Call{Action: "Query", Index: "Open", Key: "AFF#jane"}, false},
		{"on an index", indexes, coldstart.Call{Action: "Query", Index: "SumByNet", Key: "SUMMARY#2026-11"}, true},
		{"a scan under LeadingKeys", table, coldstart.Call{Action: "Scan", Keyless: true}, false},
		{"no LeadingKeys: every key", anyKey, coldstart.Call{Action: "Scan", Keyless: true}, true},
		{"a Deny is no grant", []sam.Statement{{Effect: "Deny", Actions: []string{"dynamodb:GetItem"}, Resources: []string{"*"}}}, coldstart.Call{Action: "GetItem", Key: "X"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := coldstart.Allowed(tc.st, tc.call); got != tc.allow {
				t.Errorf("Allowed(%v) = %v, want %v", tc.call, got, tc.allow)
			}
		})
	}
}

// The owner's list reads the summaries through the SumBy* indexes: without
// SUMMARY#* in its policy that read is a violation (the kind of gap this
// package's survey exists to find).
func TestTheListsSummariesNeedTheirPrefix(t *testing.T) {
	raw, err := sam.LoadRepoRaw()
	if err != nil {
		t.Fatal(err)
	}
	call := coldstart.Call{Action: "Query", Index: "SumByNet", Key: "SUMMARY#2026-11"}
	statements := raw.FunctionStatements("AdminAffiliatesFunction")
	if !coldstart.Allowed(statements, call) {
		t.Fatalf("AdminAffiliatesFunction may not %v", call)
	}
	for i, st := range statements {
		var keep []any
		for _, k := range st.LeadingKeys() {
			if k != "SUMMARY#*" {
				keep = append(keep, k)
			}
		}
		statements[i].Condition = map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": keep}}
	}
	if v := coldstart.Violations(statements, []coldstart.Call{call, call}); len(v) != 1 || v[0] != "Query on index SumByNet key SUMMARY#2026-11" {
		t.Errorf("without SUMMARY#*: violations %q, want the one read once", v)
	}
}

// StringLike: "*" any run, "?" one character.
func TestLikeIsIAMsStringLike(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"AFF#*", "AFF#jane", true}, {"AFF#*", "AFF#", true}, {"AFF#*", "AF", false}, {"PROGRAM", "PROGRAM", true},
		{"PROGRAM", "PROGRAM#x", false}, {"BOARD#*#final", "BOARD#s#c#final", true}, {"A?C", "ABC", true}, {"A?C", "AC", false},
	} {
		if got := coldstart.Like(tc.pattern, tc.s); got != tc.want {
			t.Errorf("Like(%q, %q) = %v", tc.pattern, tc.s, got)
		}
	}
}

// The partition attributes come from template.yaml's table.
func TestHashKeysAreTheTemplates(t *testing.T) {
	raw, err := sam.LoadRepoRaw()
	if err != nil {
		t.Fatal(err)
	}
	got, err := coldstart.HashKeys(raw)
	if err != nil {
		t.Fatal(err)
	}
	for ix, attr := range map[string]string{"": "PK", "ByOrder": "GSI1PK", "Open": "GSI2PK", "SumByName": "SUMPK"} {
		if got[ix] != attr {
			t.Errorf("index %q: partition attribute %q, want %q", ix, got[ix], attr)
		}
	}
}

// Calls refused under one key prefix are one line, naming the first key
// and how many others.
func TestViolationsAreGroupedByPrefix(t *testing.T) {
	calls := []coldstart.Call{{Action: "Query", Key: "AFF#jane"}, {Action: "Query", Key: "AFF#bob"}, {Action: "Query", Key: "AFF#jane"}, {Action: "GetItem", Key: "PROGRAM"}}
	got := coldstart.Violations(nil, calls)
	want := []string{"Query on table key AFF#jane (and 1 other keys under AFF#)", "GetItem on table key PROGRAM"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
