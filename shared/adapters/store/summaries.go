package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/domain/rollup"
)

// The owner's summaries (SPEC 15): per affiliate a row for each month and
// one for all time, and the program's totals per day, kept from the table's
// stream exactly once (docs/table-design.md, "The owner's pages at scale").

// TotalShards is how many items one day's totals of an event are spread
// over, so stream batches of different affiliates rarely touch one item.
const TotalShards = 4

// SummaryRow is an affiliate's summary row for a month or all time.
type SummaryRow struct {
	Period    string // YYYY-MM or rollup.All
	Affiliate string
	Name      string
	rollup.Counts
	LastHit   string            // latest date with a hit in the period, "" for none
	EventHits map[string]string // all-time rows: latest hit per event
	Months    []string          // all-time rows: the months that have rows
	// Profile is, on an all-time row, the affiliate as the owner's list
	// shows them (nil on a row written before profiles, or a month row):
	// a page reads it with the row instead of each affiliate's item.
	Profile *Profile
}

// Profile is what the owner's list shows of an affiliate besides numbers.
type Profile struct {
	Email  string
	Events []string
	Active bool
	Former bool
}

// ProfileOf is an affiliate's profile.
func ProfileOf(a program.Affiliate, former bool) Profile {
	return Profile{Email: a.Email, Events: append([]string{}, a.Events...), Active: a.IsActive(), Former: former}
}

// Affiliate is the affiliate a profile stands for, as the rules need it
// on the owner's list.
func (p Profile) Affiliate(code, name string) program.Affiliate {
	active := p.Active
	return program.Affiliate{Code: code, Name: name, Email: p.Email, Events: append([]string{}, p.Events...), Active: &active}
}

func profileAttrs(p Profile) map[string]types.AttributeValue {
	evs := make([]types.AttributeValue, 0, len(p.Events))
	for _, e := range p.Events {
		evs = append(evs, attrS(e))
	}
	return map[string]types.AttributeValue{"p_email": attrS(p.Email), "p_events": &types.AttributeValueMemberL{Value: evs},
		"p_active": &types.AttributeValueMemberBOOL{Value: p.Active}, "p_former": &types.AttributeValueMemberBOOL{Value: p.Former}}
}

func profileOf(it map[string]types.AttributeValue) *Profile {
	if _, ok := it["p_active"]; !ok {
		return nil
	}
	p := &Profile{Email: str(it["p_email"])}
	if b, ok := it["p_active"].(*types.AttributeValueMemberBOOL); ok {
		p.Active = b.Value
	}
	if b, ok := it["p_former"].(*types.AttributeValueMemberBOOL); ok {
		p.Former = b.Value
	}
	if l, ok := it["p_events"].(*types.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			p.Events = append(p.Events, str(v))
		}
	}
	return p
}

// SetSummaryProfile sets an affiliate's profile on their all-time row,
// when they have one (a row is made by EnsureSummaryRows or the stream).
// Records of one affiliate come in order, and a retried batch goes on to
// the later ones, so the row ends with the latest image.
func (s *Store) SetSummaryProfile(ctx context.Context, code string, p Profile) error {
	attrs := profileAttrs(p)
	names, values := map[string]string{}, map[string]types.AttributeValue{}
	var sets []string
	for _, k := range []string{"p_email", "p_events", "p_active", "p_former"} {
		names["#"+k], values[":"+k] = k, attrs[k]
		sets = append(sets, "#"+k+" = :"+k)
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.Table), Key: SummaryKey(rollup.All, code).av(),
		UpdateExpression: aws.String("SET " + strings.Join(sets, ", ")), ConditionExpression: aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// SummaryName is an affiliate as its summary rows name it.
type SummaryName struct{ Code, Name string }

// Total is one day's totals of an event ("" for the ledger's money).
type Total struct {
	Date, Event string
	rollup.Counts
}

// SummarySorts are the columns a summary page sorts by: the index each is
// the sort key of ("" for the table itself, by affiliate code).
var SummarySorts = map[string]struct{ index, attr string }{
	"affiliate":     {"", attrSK},
	"name":          {"SumByName", attrSumName},
	"hits":          {"SumByHits", "hits"},
	"orders":        {"SumByOrders", "orders"},
	"revenue_cents": {"SumByRevenue", "revenue_cents"},
	"earned_cents":  {"SumByEarned", "earned_cents"},
	"net_cents":     {"SumByNet", "net_cents"},
	"last_hit":      {"SumByLastHit", "last_hit"},
}

// counterAttrs are the numbers of a row, in Counts' order.
var counterAttrs = []string{"hits", "opt_ins", "orders", "revenue_cents", "earned_cents", "clawbacks_cents", "adjustments_cents", "net_cents"}

func countsList(c rollup.Counts) []int64 {
	return []int64{c.Hits, c.OptIns, c.Orders, c.RevenueCents, c.EarnedCents, c.ClawbacksCents, c.AdjustmentsCents, c.NetCents}
}

func countsOf(item map[string]types.AttributeValue) rollup.Counts {
	return rollup.Counts{Hits: num(item["hits"]), OptIns: num(item["opt_ins"]), Orders: num(item["orders"]), RevenueCents: num(item["revenue_cents"]),
		EarnedCents: num(item["earned_cents"]), ClawbacksCents: num(item["clawbacks_cents"]), AdjustmentsCents: num(item["adjustments_cents"]), NetCents: num(item["net_cents"])}
}

// totalShard spreads affiliates over the totals' shards.
func totalShard(affiliate string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(affiliate))
	return int(h.Sum32() % TotalShards)
}

// sortName is what the name index sorts by: case does not decide order.
func sortName(name, code string) string {
	if strings.TrimSpace(name) == "" {
		name = code
	}
	return strings.ToLower(name) + "\x1f" + code
}

const eventHitPrefix = "lh_"

// ApplySummaries adds one source partition's records (in stream order) to
// the summaries, each exactly once: every transaction moves the source's
// checkpoint from the sequence number it read to its last record's, so a
// record delivered again (a retried, bisected or repeated batch) is skipped
// and two deliveries at once cannot both count. names gives the name a new
// row starts with.
func (s *Store) ApplySummaries(ctx context.Context, source string, rs []rollup.Record, names func(code string) string) error {
	if len(rs) == 0 {
		return nil
	}
	for attempt := 0; ; attempt++ {
		cp, hits, err := s.summaryState(ctx, source, rs)
		if err != nil {
			return err
		}
		err = s.applyFrom(ctx, source, cp, rs, hits, names)
		if !errors.Is(err, ErrRetry) && !errors.Is(err, ErrConflict) {
			return err
		}
		if attempt == 8 {
			return fmt.Errorf("summaries of %s: %w", source, err)
		}
		time.Sleep(time.Duration(attempt+1) * 15 * time.Millisecond)
	}
}

// lastHits are the rows' stored latest visits: row key to "last_hit" and
// each lh_<event>.
type lastHits map[Key]map[string]string

// summaryState reads the source's checkpoint and, when the records count
// hits, the latest visits of the rows they touch (one consistent read).
func (s *Store) summaryState(ctx context.Context, source string, rs []rollup.Record) (string, lastHits, error) {
	keys := []Key{summaryCheckpointKey(source)}
	hit := false
	for _, r := range rs {
		if r.Hit() {
			hit = true
			keys = append(keys, SummaryKey(r.Date[:7], r.Affiliate), SummaryKey(rollup.All, r.Affiliate))
		}
	}
	got := map[Key]map[string]types.AttributeValue{}
	var err error
	if hit {
		got, err = s.batchGet(ctx, keys)
	} else {
		var it map[string]types.AttributeValue
		if it, err = s.get(ctx, keys[0]); it != nil {
			got[keys[0]] = it
		}
	}
	if err != nil {
		return "", nil, fmt.Errorf("summary state of %s: %w", source, err)
	}
	hits := lastHits{}
	for k, it := range got {
		if k == keys[0] {
			continue
		}
		m := map[string]string{"last_hit": rollup.NumberDate(num(it["last_hit"]))}
		for n, v := range it {
			if strings.HasPrefix(n, eventHitPrefix) {
				m[n] = str(v)
			}
		}
		hits[k] = m
	}
	return str(got[keys[0]]["seq"]), hits, nil
}

// applyFrom writes the records after checkpoint cp, a transaction per
// chunk.
func (s *Store) applyFrom(ctx context.Context, source, cp string, rs []rollup.Record, hits lastHits, names func(string) string) error {
	todo := rs[:0:0]
	for _, r := range rs {
		if r.Seq > cp {
			todo = append(todo, r)
		}
	}
	for _, chunk := range rollup.Chunks(todo, MaxWriteItems-1) {
		p := rollup.PlanOf(chunk)
		items := []types.TransactWriteItem{{Update: s.checkpointUpdate(source, cp, p.Last)}}
		for k, row := range p.Rows {
			items = append(items, types.TransactWriteItem{Update: s.rowUpdate(k, row, hits, names)})
		}
		for k, t := range p.Totals {
			items = append(items, types.TransactWriteItem{Update: s.totalUpdate(totalsKey(k.Date, k.Event, totalShard(chunk[0].Affiliate)), *t)})
		}
		if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
			return txnErr(err)
		}
		cp = p.Last
		for k, row := range p.Rows { // what the next chunk compares with
			sk := SummaryKey(k.Period, k.Affiliate)
			if hits[sk] == nil {
				hits[sk] = map[string]string{}
			}
			hits[sk]["last_hit"] = max(hits[sk]["last_hit"], row.LastHit)
			for ev, d := range row.EventHits {
				hits[sk][eventHitPrefix+ev] = max(hits[sk][eventHitPrefix+ev], d)
			}
		}
	}
	return nil
}

func (s *Store) checkpointUpdate(source, prev, last string) *types.Update {
	u := &types.Update{TableName: aws.String(s.Table), Key: summaryCheckpointKey(source).av(),
		UpdateExpression:          aws.String("SET seq = :last"),
		ConditionExpression:       aws.String("attribute_not_exists(seq)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":last": attrS(last)}}
	if prev != "" {
		u.ConditionExpression = aws.String("seq = :prev")
		u.ExpressionAttributeValues[":prev"] = attrS(prev)
	}
	return u
}

// rowUpdate adds a plan's numbers to a row (every number, zeros too, so a
// new row is in every sort index), and sets its latest visit to the later
// of the stored one and the plan's.
func (s *Store) rowUpdate(k rollup.RowKey, row *rollup.Row, hits lastHits, names func(string) string) *types.Update {
	key := SummaryKey(k.Period, k.Affiliate)
	name := names(k.Affiliate)
	if name == "" {
		name = k.Affiliate
	}
	vals := map[string]types.AttributeValue{":pk": attrS(key.PK), ":aff": attrS(k.Affiliate), ":name": attrS(name),
		":sname": attrS(sortName(name, k.Affiliate))}
	names2 := map[string]string{}
	var adds []string
	for i, v := range countsList(row.Counts) {
		adds = append(adds, fmt.Sprintf("%s :c%d", counterAttrs[i], i))
		vals[fmt.Sprintf(":c%d", i)] = attrN(v)
	}
	if k.Period == rollup.All && len(row.Months) > 0 {
		adds = append(adds, "months :months")
		vals[":months"] = &types.AttributeValueMemberSS{Value: row.Months}
	}
	sets := []string{"SUMPK = :pk", "affiliate = :aff", "#name = if_not_exists(#name, :name)", "sname = if_not_exists(sname, :sname)"}
	names2["#name"] = "name"
	stored := hits[key]
	if last := max(row.LastHit, stored["last_hit"]); last != "" {
		sets = append(sets, "last_hit = :lh")
		vals[":lh"] = attrN(rollup.DateNumber(last))
	} else {
		sets = append(sets, "last_hit = if_not_exists(last_hit, :zero)")
		vals[":zero"] = attrN(0)
	}
	i := 0
	for ev, d := range row.EventHits {
		if d = max(d, stored[eventHitPrefix+ev]); d != "" {
			sets = append(sets, fmt.Sprintf("#e%d = :e%d", i, i))
			names2[fmt.Sprintf("#e%d", i)], vals[fmt.Sprintf(":e%d", i)] = eventHitPrefix+ev, attrS(d)
			i++
		}
	}
	return &types.Update{TableName: aws.String(s.Table), Key: key.av(),
		UpdateExpression:          aws.String("SET " + strings.Join(sets, ", ") + " ADD " + strings.Join(adds, ", ")),
		ExpressionAttributeNames:  names2,
		ExpressionAttributeValues: vals}
}

func (s *Store) totalUpdate(k Key, c rollup.Counts) *types.Update {
	vals := map[string]types.AttributeValue{}
	var adds []string
	for i, v := range countsList(c) {
		if v != 0 {
			adds = append(adds, fmt.Sprintf("%s :c%d", counterAttrs[i], i))
			vals[fmt.Sprintf(":c%d", i)] = attrN(v)
		}
	}
	if len(adds) == 0 { // a change that adds nothing still makes the day's item
		adds, vals[":c0"] = []string{"hits :c0"}, attrN(0)
	}
	return &types.Update{TableName: aws.String(s.Table), Key: k.av(),
		UpdateExpression: aws.String("ADD " + strings.Join(adds, ", ")), ExpressionAttributeValues: vals}
}

// EnsureSummaryRows makes sure each affiliate has a row for the period, so
// one without activity is still listed: every number ADDs 0, names and the
// latest visit only when absent. Safe beside the stream's additions.
func (s *Store) EnsureSummaryRows(ctx context.Context, period string, as []SummaryName) error {
	return EachParallel(len(as), 8, func(i int) error {
		a := as[i]
		row := &rollup.Row{}
		if period != rollup.All {
			row.Months = []string{period}
		}
		u := s.rowUpdate(rollup.RowKey{Period: period, Affiliate: a.Code}, row, nil, func(string) string { return a.Name })
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
			ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues})
		if err == nil && period != rollup.All { // the all-time row lists the month, for a later rename
			u = s.rowUpdate(rollup.RowKey{Period: rollup.All, Affiliate: a.Code}, row, nil, func(string) string { return a.Name })
			_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
				ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues})
		}
		return err
	})
}

// RenameInSummaries sets an affiliate's name on its all-time row and every
// month row it lists, so a name sort is right in every period.
func (s *Store) RenameInSummaries(ctx context.Context, code, name string) error {
	all, err := s.get(ctx, SummaryKey(rollup.All, code))
	if err != nil || all == nil {
		return err
	}
	periods := append(stringSet(all["months"]), rollup.All)
	return EachParallel(len(periods), 4, func(i int) error {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.Table), Key: SummaryKey(periods[i], code).av(),
			UpdateExpression: aws.String("SET #name = :n, sname = :sn"), ConditionExpression: aws.String("attribute_exists(PK)"),
			ExpressionAttributeNames:  map[string]string{"#name": "name"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": attrS(name), ":sn": attrS(sortName(name, code))}})
		if isConditionFailed(err) {
			return nil
		}
		return err
	})
}

// SummaryMonthReady says whether a month's rows were all written.
func (s *Store) SummaryMonthReady(ctx context.Context, month string) (bool, error) {
	it, err := s.get(ctx, summaryMonthKey(month))
	return it != nil, err
}

// MarkSummaryMonth records that a month's rows were all written.
func (s *Store) MarkSummaryMonth(ctx context.Context, month string, at time.Time) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table),
		Item: summaryMonthKey(month).item(map[string]types.AttributeValue{"at": attrS(at.UTC().Format(time.RFC3339))})})
	return err
}

// SummaryPage is one page of a period's rows sorted by column (a key of
// SummarySorts), after cursor ("" for the first page): one Query of at
// most limit+1 items. next is "" on the last page.
func (s *Store) SummaryPage(ctx context.Context, period, column string, desc bool, cursor string, limit int) ([]SummaryRow, string, error) {
	srt, ok := SummarySorts[column]
	if !ok {
		return nil, "", fault.Fields(map[string]string{"sort": fmt.Sprintf("cannot sort by %q", column)})
	}
	pk := summaryPrefix + period
	in := &dynamodb.QueryInput{TableName: aws.String(s.Table), ScanIndexForward: aws.Bool(!desc), Limit: aws.Int32(int32(limit + 1)),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(pk)}}
	if srt.index != "" {
		in.IndexName, in.ExpressionAttributeNames["#pk"] = aws.String(srt.index), attrSumPK
	}
	if cursor != "" {
		start, err := decodeCursor(cursor, pk, srt.index, srt.attr)
		if err != nil {
			return nil, "", err
		}
		in.ExclusiveStartKey = start
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("summary page: %w", err)
	}
	items, next := out.Items, ""
	if len(items) > limit {
		items = items[:limit]
		next = encodeCursor(items[limit-1], srt.attr)
	}
	rows := make([]SummaryRow, 0, len(items))
	for _, it := range items {
		rows = append(rows, summaryRowOf(it))
	}
	return rows, next, nil
}

// pageCursor is a page's cursor: the last row's code and sort value, from
// which the next Query's start key is rebuilt (and checked).
type pageCursor struct {
	Code  string `json:"c"`
	Value string `json:"v,omitempty"`
}

func encodeCursor(item map[string]types.AttributeValue, attr string) string {
	c := pageCursor{Code: str(item[attrSK])}
	switch v := item[attr].(type) {
	case *types.AttributeValueMemberN:
		c.Value = v.Value
	case *types.AttributeValueMemberS:
		if attr != attrSK {
			c.Value = v.Value
		}
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, pk, index, attr string) (map[string]types.AttributeValue, error) {
	bad := fault.Fields(map[string]string{"page": "not a page of this list: start again from the first page"})
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c pageCursor
	if err != nil || json.Unmarshal(b, &c) != nil || c.Code == "" {
		return nil, bad
	}
	start := map[string]types.AttributeValue{attrPK: attrS(pk), attrSK: attrS(c.Code)}
	if index == "" {
		return start, nil
	}
	start[attrSumPK] = attrS(pk)
	if attr == attrSumName {
		start[attr] = attrS(c.Value)
	} else {
		if _, err := strconv.ParseInt(c.Value, 10, 64); err != nil {
			return nil, bad
		}
		start[attr] = &types.AttributeValueMemberN{Value: c.Value}
	}
	return start, nil
}

// SummaryRows reads the rows of the given affiliates for a period (one
// BatchGetItem per 100, eventually consistent); absent ones are left out.
func (s *Store) SummaryRows(ctx context.Context, period string, codes []string) (map[string]SummaryRow, error) {
	keys := make([]Key, 0, len(codes))
	for _, c := range codes {
		keys = append(keys, SummaryKey(period, c))
	}
	got, err := s.batchGetWith(ctx, keys, false)
	if err != nil {
		return nil, fmt.Errorf("summary rows: %w", err)
	}
	out := make(map[string]SummaryRow, len(got))
	for k, it := range got {
		out[k.SK] = summaryRowOf(it)
	}
	return out, nil
}

func summaryRowOf(it map[string]types.AttributeValue) SummaryRow {
	r := SummaryRow{Period: strings.TrimPrefix(str(it[attrPK]), summaryPrefix), Affiliate: str(it[attrSK]), Name: str(it["name"]),
		Counts: countsOf(it), LastHit: rollup.NumberDate(num(it["last_hit"])), Months: stringSet(it["months"]), Profile: profileOf(it)}
	for n, v := range it {
		if strings.HasPrefix(n, eventHitPrefix) {
			if r.EventHits == nil {
				r.EventHits = map[string]string{}
			}
			r.EventHits[strings.TrimPrefix(n, eventHitPrefix)] = str(v)
		}
	}
	return r
}

func stringSet(v types.AttributeValue) []string {
	if ss, ok := v.(*types.AttributeValueMemberSS); ok {
		return append([]string(nil), ss.Value...)
	}
	return nil
}

// Totals are the program's totals for each day and event from from to to
// (dates, inclusive), shards summed: one Query per month of the span,
// eventually consistent. Event "" holds the ledger's money.
func (s *Store) Totals(ctx context.Context, from, to string) ([]Total, error) {
	sum := map[[2]string]*Total{}
	var order [][2]string
	for m := from[:7]; m <= to[:7]; m = nextMonth(m) {
		items, err := s.queryAll(ctx, &dynamodb.QueryInput{
			KeyConditionExpression:    aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS("TOTALS#" + m), ":lo": attrS(from), ":hi": attrS(to + "#~~")}})
		if err != nil {
			return nil, fmt.Errorf("totals: %w", err)
		}
		for _, it := range items {
			parts := strings.Split(str(it[attrSK]), "#")
			if len(parts) != 3 {
				continue
			}
			ev := parts[1]
			if ev == "~" {
				ev = ""
			}
			k := [2]string{parts[0], ev}
			t := sum[k]
			if t == nil {
				t = &Total{Date: parts[0], Event: ev}
				sum[k] = t
				order = append(order, k)
			}
			t.Add(countsOf(it))
		}
	}
	out := make([]Total, 0, len(order))
	for _, k := range order {
		out = append(out, *sum[k])
	}
	return out, nil
}

func nextMonth(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return "9999-99"
	}
	return t.AddDate(0, 1, 0).Format("2006-01")
}

// PutSummaryRow sets a row to recomputed numbers (tallyctl
// rebuild-summaries).
func (s *Store) PutSummaryRow(ctx context.Context, r SummaryRow) error {
	key := SummaryKey(r.Period, r.Affiliate)
	name := r.Name
	if name == "" {
		name = r.Affiliate
	}
	attrs := map[string]types.AttributeValue{attrSumPK: attrS(key.PK), "affiliate": attrS(r.Affiliate), "name": attrS(name),
		attrSumName: attrS(sortName(name, r.Affiliate)), "last_hit": attrN(rollup.DateNumber(r.LastHit))}
	for i, v := range countsList(r.Counts) {
		attrs[counterAttrs[i]] = attrN(v)
	}
	for ev, d := range r.EventHits {
		attrs[eventHitPrefix+ev] = attrS(d)
	}
	if len(r.Months) > 0 {
		attrs["months"] = &types.AttributeValueMemberSS{Value: r.Months}
	}
	if r.Profile != nil {
		maps.Copy(attrs, profileAttrs(*r.Profile))
	}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: key.item(attrs)})
	return err
}

// ReplaceTotals sets a month's totals to recomputed ones: every shard item
// of the month is deleted and the sums put on shard 0.
func (s *Store) ReplaceTotals(ctx context.Context, month string, ts []Total) error {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{KeyConditionExpression: aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS("TOTALS#" + month)}, ProjectionExpression: aws.String("PK, SK")})
	if err != nil {
		return err
	}
	var dels []Key
	for _, it := range items {
		dels = append(dels, Key{str(it[attrPK]), str(it[attrSK])})
	}
	if err := s.batchWrite(ctx, nil, dels); err != nil {
		return err
	}
	return s.ReplaceTotalsShard(ctx, month, ts, 0)
}

// ReplaceTotalsShard puts totals on one shard (tests and benchmarks set
// every shard, as the stream fills them).
func (s *Store) ReplaceTotalsShard(ctx context.Context, month string, ts []Total, shard int) error {
	var puts []map[string]types.AttributeValue
	for _, t := range ts {
		attrs := map[string]types.AttributeValue{}
		for i, v := range countsList(t.Counts) {
			attrs[counterAttrs[i]] = attrN(v)
		}
		puts = append(puts, totalsKey(t.Date, t.Event, shard).item(attrs))
	}
	return s.batchWrite(ctx, puts, nil)
}

// EachParallel runs f for 0..n-1, at most k at once; the first error wins.
func EachParallel(n, k int, f func(i int) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, k)
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			if err := f(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	return first
}
