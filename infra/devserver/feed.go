package devserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tallyhq/tally/infra/eventsource"
)

// feed is the embedded store's stream: the embedded store has none, so
// every write that reaches it is recorded with the item's images before and
// after (NEW_AND_OLD_IMAGES), as DynamoDB Streams would. Writes are taken
// one at a time so each record's images are exact.
type feed struct {
	inner http.Handler

	write   sync.Mutex
	mu      sync.Mutex
	changed *sync.Cond
	records []events.DynamoDBEventRecord
	done    map[string]int // CatchUp's place per consumer
}

func newFeed(inner http.Handler) *feed {
	f := &feed{inner: inner}
	f.changed = sync.NewCond(&f.mu)
	return f
}

type wireItem = map[string]events.DynamoDBAttributeValue

// writeKeys are the (table, key) pairs a write request touches.
func writeKeys(op string, body []byte) [][2]any {
	var req struct {
		TableName     string
		Item, Key     wireItem
		TransactItems []map[string]struct {
			TableName string
			Item, Key wireItem
		}
		RequestItems map[string][]struct {
			PutRequest    *struct{ Item wireItem }
			DeleteRequest *struct{ Key wireItem }
		}
	}
	if json.Unmarshal(body, &req) != nil {
		return nil
	}
	key := func(item wireItem) wireItem { return wireItem{"PK": item["PK"], "SK": item["SK"]} }
	var out [][2]any
	switch op {
	case "PutItem":
		out = append(out, [2]any{req.TableName, key(req.Item)})
	case "UpdateItem", "DeleteItem":
		out = append(out, [2]any{req.TableName, req.Key})
	case "TransactWriteItems":
		for _, ti := range req.TransactItems {
			for kind, a := range ti {
				switch kind {
				case "Put":
					out = append(out, [2]any{a.TableName, key(a.Item)})
				case "Update", "Delete":
					out = append(out, [2]any{a.TableName, a.Key})
				}
			}
		}
	case "BatchWriteItem":
		for table, reqs := range req.RequestItems {
			for _, r := range reqs {
				if r.PutRequest != nil {
					out = append(out, [2]any{table, key(r.PutRequest.Item)})
				} else if r.DeleteRequest != nil {
					out = append(out, [2]any{table, r.DeleteRequest.Key})
				}
			}
		}
	}
	return out
}

func (f *feed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	switch op {
	case "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem":
	default:
		f.inner.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	keys := writeKeys(op, body)

	f.write.Lock()
	defer f.write.Unlock()
	olds := make([]wireItem, len(keys))
	for i, k := range keys {
		olds[i] = f.get(r, k)
	}
	rec := httptest.NewRecorder()
	f.inner.ServeHTTP(rec, r)
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
	if rec.Code != http.StatusOK {
		return
	}
	now := time.Now().UTC()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, k := range keys {
		nw := f.get(r, k)
		name := "MODIFY"
		switch {
		case olds[i] == nil && nw == nil:
			continue
		case olds[i] == nil:
			name = "INSERT"
		case nw == nil:
			name = "REMOVE"
		}
		f.records = append(f.records, events.DynamoDBEventRecord{EventName: name, EventSource: "aws:dynamodb", EventVersion: "1.1",
			Change: events.DynamoDBStreamRecord{ApproximateCreationDateTime: events.SecondsEpochTime{Time: now},
				SequenceNumber: strconv.Itoa(len(f.records) + 1), StreamViewType: "NEW_AND_OLD_IMAGES",
				Keys: k[1].(wireItem), NewImage: nw, OldImage: olds[i]}})
	}
	f.changed.Broadcast()
}

// get reads an item straight from the embedded store; nil when absent.
func (f *feed) get(r *http.Request, k [2]any) wireItem {
	b, _ := json.Marshal(map[string]any{"TableName": k[0], "Key": k[1], "ConsistentRead": true})
	req := httptest.NewRequestWithContext(r.Context(), http.MethodPost, "/", bytes.NewReader(b))
	for _, h := range []string{"Authorization", "X-Amz-Date", "Content-Type"} {
		req.Header.Set(h, r.Header.Get(h))
	}
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
	rec := httptest.NewRecorder()
	f.inner.ServeHTTP(rec, req)
	var out struct{ Item wireItem }
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil || len(out.Item) == 0 {
		return nil
	}
	return out.Item
}

// Run feeds records to h in batches of up to 100, from the start, and
// reads a failed batch again from its failed record.
func (f *feed) Run(ctx context.Context, name string, h eventsource.Handler) error {
	stop := context.AfterFunc(ctx, func() { f.mu.Lock(); f.changed.Broadcast(); f.mu.Unlock() })
	defer stop()
	next := 0
	for {
		f.mu.Lock()
		for next >= len(f.records) && ctx.Err() == nil {
			f.changed.Wait()
		}
		batch := append([]events.DynamoDBEventRecord(nil), f.records[next:min(next+100, len(f.records))]...)
		f.mu.Unlock()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		failed, err := h(ctx, batch)
		if err == nil {
			next += len(batch)
			continue
		}
		for _, r := range batch {
			if r.Change.SequenceNumber == failed {
				break
			}
			next++
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// CatchUp feeds h, in batches of up to 100, every record written since
// its last call under the same name, then returns; a failed batch is the
// error, read again from its failed record by the next call.
func (f *feed) CatchUp(ctx context.Context, name string, h eventsource.Handler) error {
	f.mu.Lock()
	if f.done == nil {
		f.done = map[string]int{}
	}
	next := f.done[name]
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.done[name] = next; f.mu.Unlock() }()
	for {
		f.mu.Lock()
		batch := append([]events.DynamoDBEventRecord(nil), f.records[next:min(next+100, len(f.records))]...)
		f.mu.Unlock()
		if len(batch) == 0 {
			return nil
		}
		failed, err := h(ctx, batch)
		if err != nil {
			for _, r := range batch {
				if r.Change.SequenceNumber == failed {
					break
				}
				next++
			}
			return err
		}
		next += len(batch)
	}
}
