package embedded

import (
	"bytes"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// indexQueries answers a Query of a secondary index by its partition key
// alone (`#k = :v`, the owner's summary pages) itself, from a filtered Scan,
// as DynamoDB does: items in sort key order (numbers as numbers), either
// direction, Limit and ExclusiveStartKey. minidyn v0.8.2 keeps an index's
// order only for items put whole and read forward: it returns nothing
// backward and loses items an UpdateItem created. Other requests go to
// minidyn.
type indexQueries struct {
	inner http.Handler

	mu      sync.Mutex
	schemas map[[2]string]indexSchema // (table, index) -> keys
}

type indexSchema struct {
	hash, rng string
}

type wireValue = map[string]any
type wireItem = map[string]wireValue

var hashOnly = regexp.MustCompile(`^\s*(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)\s*$`)

func (q *indexQueries) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Amz-Target") != "DynamoDB_20120810.Query" {
		q.inner.ServeHTTP(w, r)
		return
	}
	body, _ := readAll(r)
	var in struct {
		TableName, IndexName, KeyConditionExpression, ProjectionExpression string
		ExpressionAttributeNames                                           map[string]string
		ExpressionAttributeValues                                          wireItem
		ScanIndexForward                                                   *bool
		Limit                                                              int
		ExclusiveStartKey                                                  wireItem
	}
	m := hashOnly.FindStringSubmatch("")
	if json.Unmarshal(body, &in) == nil && in.IndexName != "" && in.ProjectionExpression == "" {
		m = hashOnly.FindStringSubmatch(in.KeyConditionExpression)
	}
	sch, ok := q.schema(r, in.TableName, in.IndexName)
	if m == nil || !ok {
		q.inner.ServeHTTP(w, r)
		return
	}
	name := m[1]
	if n, ok := in.ExpressionAttributeNames[name]; ok {
		name = n
	}
	want := in.ExpressionAttributeValues[m[2]]
	if name != sch.hash || want == nil {
		q.inner.ServeHTTP(w, r)
		return
	}
	items, err := q.scan(r, in.TableName, sch.hash, want)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	items = filter(items, func(it wireItem) bool { return it[sch.rng] != nil })
	sort.SliceStable(items, func(i, j int) bool { return less(items[i], items[j], sch) })
	if in.ScanIndexForward != nil && !*in.ScanIndexForward {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
	}
	if in.ExclusiveStartKey != nil {
		for i, it := range items {
			if baseKey(it) == baseKey(in.ExclusiveStartKey) {
				items = items[i+1:]
				break
			}
		}
	}
	out := map[string]any{}
	if in.Limit > 0 && len(items) > in.Limit {
		items = items[:in.Limit]
		last := items[len(items)-1]
		out["LastEvaluatedKey"] = wireItem{"PK": last["PK"], "SK": last["SK"], sch.hash: last[sch.hash], sch.rng: last[sch.rng]}
	}
	out["Items"], out["Count"], out["ScannedCount"] = items, len(items), len(items)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(out)
}

func filter(items []wireItem, keep func(wireItem) bool) []wireItem {
	out := items[:0]
	for _, it := range items {
		if keep(it) {
			out = append(out, it)
		}
	}
	return out
}

func baseKey(it wireItem) string {
	return scalar(it["PK"]) + "\x00" + scalar(it["SK"])
}

func scalar(v wireValue) string {
	for _, t := range []string{"S", "N"} {
		if s, ok := v[t].(string); ok {
			return s
		}
	}
	return ""
}

// less orders by the index's sort key, then by the table's key (DynamoDB
// leaves ties in an order of its own; this one is stable across pages).
func less(a, b wireItem, sch indexSchema) bool {
	x, y := scalar(a[sch.rng]), scalar(b[sch.rng])
	_, num := a[sch.rng]["N"] // minidyn does not describe attribute types: the value says
	if num {
		fx, _ := new(big.Float).SetString(x)
		fy, _ := new(big.Float).SetString(y)
		if fx != nil && fy != nil {
			if c := fx.Cmp(fy); c != 0 {
				return c < 0
			}
		}
	} else if x != y {
		return x < y
	}
	return baseKey(a) < baseKey(b)
}

// call sends one request of op to minidyn and decodes its answer.
func (q *indexQueries) call(r *http.Request, op string, in any, out any) error {
	b, _ := json.Marshal(in)
	req := httptest.NewRequestWithContext(r.Context(), http.MethodPost, "/", bytes.NewReader(b))
	for _, h := range []string{"Authorization", "X-Amz-Date", "Content-Type"} {
		req.Header.Set(h, r.Header.Get(h))
	}
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	rec := httptest.NewRecorder()
	q.inner.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return &callError{op, rec.Body.String()}
	}
	return json.Unmarshal(rec.Body.Bytes(), out)
}

type callError struct{ op, body string }

func (e *callError) Error() string { return e.op + ": " + e.body }

// scan reads every item whose attribute hash is want.
func (q *indexQueries) scan(r *http.Request, table, hash string, want wireValue) ([]wireItem, error) {
	var items []wireItem
	var start wireItem
	for {
		in := map[string]any{"TableName": table, "FilterExpression": "#h = :v",
			"ExpressionAttributeNames": map[string]string{"#h": hash}, "ExpressionAttributeValues": wireItem{":v": want}}
		if start != nil {
			in["ExclusiveStartKey"] = start
		}
		var out struct {
			Items            []wireItem
			LastEvaluatedKey wireItem
		}
		if err := q.call(r, "Scan", in, &out); err != nil {
			return nil, err
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return items, nil
		}
		start = out.LastEvaluatedKey
	}
}

// schema is an index's keys, from DescribeTable (kept per table).
func (q *indexQueries) schema(r *http.Request, table, index string) (indexSchema, bool) {
	if index == "" {
		return indexSchema{}, false
	}
	q.mu.Lock()
	s, ok := q.schemas[[2]string{table, index}]
	q.mu.Unlock()
	if ok {
		return s, s.hash != ""
	}
	var out struct {
		Table struct {
			GlobalSecondaryIndexes []struct {
				IndexName string
				KeySchema []struct{ AttributeName, KeyType string }
			}
		}
	}
	if q.call(r, "DescribeTable", map[string]string{"TableName": table}, &out) != nil {
		return indexSchema{}, false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.schemas == nil {
		q.schemas = map[[2]string]indexSchema{}
	}
	for _, g := range out.Table.GlobalSecondaryIndexes {
		var s indexSchema
		for _, k := range g.KeySchema {
			if strings.EqualFold(k.KeyType, "HASH") {
				s.hash = k.AttributeName
			} else {
				s.rng = k.AttributeName
			}
		}
		if s.rng == "" {
			s = indexSchema{} // hash-only indexes are left to minidyn
		}
		q.schemas[[2]string{table, g.IndexName}] = s
	}
	s = q.schemas[[2]string{table, index}]
	return s, s.hash != ""
}

func readAll(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(r.Body)
	r.Body.Close()
	r.Body = readCloser{bytes.NewReader(b.Bytes())}
	return b.Bytes(), err
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
