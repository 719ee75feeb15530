// Package dynamometer counts what a DynamoDB client does: requests by
// operation and the capacity DynamoDB reports as consumed. It asks for the
// consumed capacity on every request it sees, so figures come from the
// database itself (DynamoDB Local in tests and benchmarks).
package dynamometer

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Meter accumulates counts; safe for concurrent use.
type Meter struct {
	mu sync.Mutex
	c  Counts
}

// Counts is a snapshot of a Meter.
type Counts struct {
	Requests map[string]int // by operation name (GetItem, Query, ...)
	// ReadUnits and WriteUnits are what DynamoDB reports for plain
	// operations. Transactions are counted apart, in TxnReadUnits and
	// TxnWriteUnits, at AWS's transactional rate (twice the plain one)
	// computed from the request's items, because DynamoDB Local's figure
	// for a transaction does not follow its items (it reported 2 for one
	// put and 2 for three).
	ReadUnits, WriteUnits       float64
	TxnReadUnits, TxnWriteUnits float64
	// ReadBytes is the size of the items reads returned (GetItem, Query,
	// Scan, BatchGetItem), by DynamoDB's item-size rule (ItemSize).
	ReadBytes int
}

// Total is the number of requests of any kind.
func (c Counts) Total() int {
	n := 0
	for _, v := range c.Requests {
		n += v
	}
	return n
}

// AWSWriteUnits are the write units AWS bills, transactions included.
func (c Counts) AWSWriteUnits() float64 { return c.WriteUnits + c.TxnWriteUnits }

// AWSReadUnits are the read units AWS bills, transactions included.
func (c Counts) AWSReadUnits() float64 { return c.ReadUnits + c.TxnReadUnits }

// Has says whether any request of the named operation was made (e.g. Scan).
func (c Counts) Has(op string) bool { return c.Requests[op] > 0 }

// String is a compact "GetItem=1 Query=2" summary.
func (c Counts) String() string {
	ks := make([]string, 0, len(c.Requests))
	for k, v := range c.Requests {
		ks = append(ks, k+"="+itoa(v))
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// Snapshot returns the counts so far.
func (m *Meter) Snapshot() Counts {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.c
	c.Requests = make(map[string]int, len(m.c.Requests))
	for k, v := range m.c.Requests {
		c.Requests[k] = v
	}
	return c
}

// Reset zeroes the counts.
func (m *Meter) Reset() {
	m.mu.Lock()
	m.c = Counts{}
	m.mu.Unlock()
}

// Since is the difference between now and an earlier snapshot.
func (m *Meter) Since(before Counts) Counts {
	now := m.Snapshot()
	d := Counts{
		Requests:      map[string]int{},
		ReadUnits:     now.ReadUnits - before.ReadUnits,
		WriteUnits:    now.WriteUnits - before.WriteUnits,
		TxnReadUnits:  now.TxnReadUnits - before.TxnReadUnits,
		TxnWriteUnits: now.TxnWriteUnits - before.TxnWriteUnits,
		ReadBytes:     now.ReadBytes - before.ReadBytes,
	}
	for k, v := range now.Requests {
		if n := v - before.Requests[k]; n != 0 {
			d.Requests[k] = n
		}
	}
	return d
}

// Option installs the meter on a client: dynamodb.New(opts, meter.Option()).
func (m *Meter) Option() func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("dynamometer",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					askForCapacity(in.Parameters)
					out, md, err := next.HandleInitialize(ctx, in)
					m.record(middleware.GetOperationName(ctx), in.Parameters, out.Result, err == nil)
					return out, md, err
				}), middleware.After)
		})
	}
}

func askForCapacity(p any) {
	total := types.ReturnConsumedCapacityTotal
	switch in := p.(type) {
	case *dynamodb.GetItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.PutItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.UpdateItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.DeleteItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.QueryInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.ScanInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.BatchGetItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.BatchWriteItemInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.TransactGetItemsInput:
		in.ReturnConsumedCapacity = total
	case *dynamodb.TransactWriteItemsInput:
		in.ReturnConsumedCapacity = total
	}
}

func (m *Meter) record(op string, params, result any, ok bool) {
	var caps []types.ConsumedCapacity
	var txnW, txnR float64
	var got []map[string]types.AttributeValue
	switch out := result.(type) {
	case *dynamodb.GetItemOutput:
		caps = one(out.ConsumedCapacity)
		if out.Item != nil {
			got = append(got, out.Item)
		}
	case *dynamodb.PutItemOutput:
		caps = one(out.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		caps = one(out.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		caps = one(out.ConsumedCapacity)
	case *dynamodb.QueryOutput:
		caps, got = one(out.ConsumedCapacity), out.Items
	case *dynamodb.ScanOutput:
		caps, got = one(out.ConsumedCapacity), out.Items
	case *dynamodb.BatchGetItemOutput:
		caps = out.ConsumedCapacity
		for _, items := range out.Responses {
			got = append(got, items...)
		}
	case *dynamodb.BatchWriteItemOutput:
		caps = out.ConsumedCapacity
	}
	if ok {
		switch in := params.(type) {
		case *dynamodb.TransactWriteItemsInput:
			txnW = TransactWriteUnits(in)
		case *dynamodb.TransactGetItemsInput:
			txnR = 2 * float64(len(in.TransactItems))
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.c.Requests == nil {
		m.c.Requests = map[string]int{}
	}
	m.c.Requests[op]++
	for _, c := range caps {
		r, w := units(c, writes[op])
		m.c.ReadUnits += r
		m.c.WriteUnits += w
	}
	m.c.TxnWriteUnits += txnW
	m.c.TxnReadUnits += txnR
	for _, item := range got {
		m.c.ReadBytes += ItemSize(item)
	}
}

func one(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}

var writes = map[string]bool{"PutItem": true, "UpdateItem": true, "DeleteItem": true, "BatchWriteItem": true}

// units splits a consumed capacity into read and write units. When only
// CapacityUnits is reported, the operation says which it is.
func units(c types.ConsumedCapacity, write bool) (r, w float64) {
	if c.ReadCapacityUnits != nil || c.WriteCapacityUnits != nil {
		if c.ReadCapacityUnits != nil {
			r = *c.ReadCapacityUnits
		}
		if c.WriteCapacityUnits != nil {
			w = *c.WriteCapacityUnits
		}
		return r, w
	}
	if c.CapacityUnits == nil {
		return 0, 0
	}
	if write {
		return 0, *c.CapacityUnits
	}
	return *c.CapacityUnits, 0
}

// TransactWriteUnits is what AWS bills for a successful transaction: two
// write units per KB (rounded up) of each item. A Put's size is computed
// from its item; an Update, Delete or ConditionCheck is counted as one KB,
// a lower bound that is exact for Tally's counters and contacts (small
// items) and low for an order record over 1 KB.
func TransactWriteUnits(in *dynamodb.TransactWriteItemsInput) float64 {
	var u float64
	for _, it := range in.TransactItems {
		kb := 1
		if it.Put != nil {
			kb = (ItemSize(it.Put.Item) + 1023) / 1024
		}
		u += 2 * float64(max(kb, 1))
	}
	return u
}

// ItemSize is an item's size in bytes by DynamoDB's rules: each attribute's
// name plus its value (numbers about one byte per two digits plus one).
func ItemSize(item map[string]types.AttributeValue) int {
	n := 0
	for k, v := range item {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberN:
		return (len(strings.TrimLeft(x.Value, "-"))+1)/2 + 1
	case *types.AttributeValueMemberB:
		return len(x.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range x.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range x.Value {
			n += (len(s)+1)/2 + 1
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range x.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range x.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}
