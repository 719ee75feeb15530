// Package coldstart runs every function of the application once, cold, on
// its sample event (events/<Dir>.json) against a table holding the demo
// program and its activity, and records what each asked of DynamoDB: every
// call's IAM action, table or index and partition keys, and the bytes its
// reads returned. Its tests hold two rules over every function: each call
// is one the function's policy in template.yaml allows, and a cold start
// reads no more with 1,004 affiliates than with 4 (SPEC 15).
package coldstart

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Call is one item or key condition a DynamoDB request touched, as IAM
// sees it: the action it is authorized under (a transaction's items each
// under their own: GetItem, PutItem, UpdateItem, DeleteItem,
// ConditionCheckItem), the index ("" for the table) and the partition key
// value (dynamodb:LeadingKeys; "" for a call that names no key: Scan,
// DescribeTable).
type Call struct {
	Action string
	Index  string
	Key    string
	// Keyless is a call that names no partition key: a Scan reads every
	// partition, DescribeTable none.
	Keyless bool
}

func (c Call) String() string {
	where := "table"
	if c.Index != "" {
		where = "index " + c.Index
	}
	if c.Keyless {
		return c.Action + " on " + where
	}
	return c.Action + " on " + where + " key " + c.Key
}

// Recorder is a DynamoDB client middleware that keeps every call made
// through it; safe for concurrent use.
type Recorder struct {
	// HashKeys is the partition attribute of the table ("" key) and of
	// each index, by index name.
	HashKeys map[string]string

	mu    sync.Mutex
	calls []Call
}

// Option installs the recorder on a client: dynamodb.New(opts, r.Option()).
func (r *Recorder) Option() func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("coldstart", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				calls := r.Calls(middleware.GetOperationName(ctx), in.Parameters)
				r.mu.Lock()
				r.calls = append(r.calls, calls...)
				r.mu.Unlock()
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
		})
	}
}

// Take returns the calls recorded since the last Take, and forgets them.
func (r *Recorder) Take() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.calls
	r.calls = nil
	return out
}

// Calls are what one request of operation op with input params touches.
func (r *Recorder) Calls(op string, params any) []Call {
	var out []Call
	add := func(action string, key map[string]types.AttributeValue) {
		out = append(out, Call{Action: action, Key: str(key[r.HashKeys[""]])})
	}
	switch in := params.(type) {
	case *dynamodb.GetItemInput:
		add("GetItem", in.Key)
	case *dynamodb.PutItemInput:
		add("PutItem", in.Item)
	case *dynamodb.UpdateItemInput:
		add("UpdateItem", in.Key)
	case *dynamodb.DeleteItemInput:
		add("DeleteItem", in.Key)
	case *dynamodb.QueryInput:
		index := aws.ToString(in.IndexName)
		out = append(out, Call{Action: "Query", Index: index, Key: r.queryKey(r.HashKeys[index], in)})
	case *dynamodb.BatchGetItemInput:
		for _, t := range sortedTables(in.RequestItems) {
			for _, k := range in.RequestItems[t].Keys {
				add("BatchGetItem", k)
			}
		}
	case *dynamodb.BatchWriteItemInput:
		for _, t := range sortedTables(in.RequestItems) {
			for _, w := range in.RequestItems[t] {
				switch {
				case w.PutRequest != nil:
					add("BatchWriteItem", w.PutRequest.Item)
				case w.DeleteRequest != nil:
					add("BatchWriteItem", w.DeleteRequest.Key)
				}
			}
		}
	case *dynamodb.TransactGetItemsInput:
		for _, it := range in.TransactItems {
			if it.Get != nil {
				add("GetItem", it.Get.Key)
			}
		}
	case *dynamodb.TransactWriteItemsInput:
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				add("PutItem", it.Put.Item)
			case it.Update != nil:
				add("UpdateItem", it.Update.Key)
			case it.Delete != nil:
				add("DeleteItem", it.Delete.Key)
			case it.ConditionCheck != nil:
				add("ConditionCheckItem", it.ConditionCheck.Key)
			}
		}
	case *dynamodb.ScanInput:
		out = append(out, Call{Action: "Scan", Index: aws.ToString(in.IndexName), Keyless: true})
	default:
		out = append(out, Call{Action: op, Keyless: true})
	}
	return out
}

// equality is one "name = :value" of a key condition.
var equality = regexp.MustCompile(`(#?[A-Za-z0-9_.]+)\s*=\s*(:[A-Za-z0-9_]+)`)

// queryKey is the partition key value a Query's key condition names.
func (r *Recorder) queryKey(attr string, in *dynamodb.QueryInput) string {
	for _, m := range equality.FindAllStringSubmatch(aws.ToString(in.KeyConditionExpression), -1) {
		name := m[1]
		if strings.HasPrefix(name, "#") {
			name = in.ExpressionAttributeNames[name]
		}
		if name == attr {
			return str(in.ExpressionAttributeValues[m[2]])
		}
	}
	if c, ok := in.KeyConditions[attr]; ok && len(c.AttributeValueList) == 1 {
		return str(c.AttributeValueList[0])
	}
	return ""
}

func str(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func sortedTables[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
