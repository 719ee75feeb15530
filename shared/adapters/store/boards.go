package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/standings"
)

// BoardParts is how many items a board's snapshot is spread over: an
// affiliate's own place is in one of them (BoardPart), so an affiliate's
// view reads two items whatever the number of affiliates; at 10,000
// affiliates a part holds about 160 places (under 8 KB).
const BoardParts = 64

// BoardPart is the part of a snapshot that holds an affiliate's place.
func BoardPart(affiliate string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(affiliate))
	return int(h.Sum32() % BoardParts)
}

// boardMark is the marker of an order on a board: the order record's
// version last counted and what it added.
type boardMark struct {
	Version int64 `json:"version"`
	standings.Contribution
}

// ApplyToBoard brings an order's contribution to its referrer's row up to
// next, as of the order record's version: one transaction writes the
// order's marker (only if the version is newer than the one counted) and
// adds the difference to the row; then the board's change count goes up
// (outside the transaction, so orders counted at once from several stream
// shards do not cancel each other on the board's one head item; a count
// lost to a crash in between is made up by the snapshot's hourly redraw).
// A version already counted, delivered again or concurrently, changes
// nothing (false). A transaction that meets another on the same row is
// tried again.
func (s *Store) ApplyToBoard(ctx context.Context, board, affiliate, orderID string, version int64, next standings.Contribution, at time.Time) (bool, error) {
	for try := 0; ; try++ {
		applied, err := s.applyToBoard(ctx, board, affiliate, orderID, version, next, at)
		if errors.Is(err, ErrRetry) && try < 4 {
			time.Sleep(time.Duration(20<<try) * time.Millisecond)
			continue
		}
		if err != nil || !applied {
			return false, err
		}
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.Table), Key: boardHeadKey(board).av(),
			UpdateExpression: aws.String("ADD changes :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": attrN(1)}})
		return err == nil, err
	}
}

func (s *Store) applyToBoard(ctx context.Context, board, affiliate, orderID string, version int64, next standings.Contribution, at time.Time) (bool, error) {
	var prev boardMark
	found, err := s.getAs(ctx, boardMarkKey(board, orderID), &prev)
	if err != nil {
		return false, err
	}
	if found && prev.Version >= version {
		return false, nil
	}
	d := next.Less(prev.Contribution)
	mark, err := marshal(boardMark{Version: version, Contribution: next})
	if err != nil {
		return false, err
	}
	mark["affiliate"] = attrS(affiliate)
	t := aws.String(s.Table)
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: t, Item: boardMarkKey(board, orderID).item(mark),
			ConditionExpression:       aws.String("attribute_not_exists(PK) OR version < :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": attrN(version)}}},
		{Update: &types.Update{TableName: t, Key: boardRowKey(board, affiliate).av(),
			UpdateExpression:          aws.String("ADD net :n, orders :o, opt_ins :p SET affiliate = :a, changed_at = :t"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": attrN(d.Net), ":o": attrN(d.Orders), ":p": attrN(d.OptIns), ":a": attrS(affiliate), ":t": attrS(instant(at))}}},
	}})
	switch txnErr(err) {
	case nil:
		return true, nil
	case ErrConflict: // another delivery counted this version first
		return false, nil
	}
	return false, txnErr(err)
}

// BoardChanges is how many changes a board has had (0 for none).
func (s *Store) BoardChanges(ctx context.Context, board string) (int64, error) {
	item, err := s.get(ctx, boardHeadKey(board))
	if err != nil || item == nil {
		return 0, err
	}
	return num(item["changes"]), nil
}

// BoardRows reads every row of a board (the snapshot job only).
func (s *Store) BoardRows(ctx context.Context, board string) ([]standings.Row, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :row)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS("BOARD#" + board), ":row": attrS(boardRowPrefix)},
	})
	if err != nil {
		return nil, err
	}
	out := make([]standings.Row, 0, len(items))
	for _, it := range items {
		at, _ := time.Parse(time.RFC3339Nano, str(it["changed_at"]))
		out = append(out, standings.Row{Affiliate: str(it["affiliate"]), Net: num(it["net"]), Orders: num(it["orders"]), OptIns: num(it["opt_ins"]), ChangedAt: at})
	}
	return out, nil
}

// BoardEntry is one place of a snapshot, as stored (short names: a part
// holds a few hundred).
type BoardEntry struct {
	Affiliate string `json:"a"`
	Rank      int    `json:"r"`
	Net       int64  `json:"v"`
	Orders    int64  `json:"o"`
	OptIns    int64  `json:"p,omitempty"`
	Value     int64  `json:"w,omitempty"` // by the metric ranked on (a contest's)
	Gap       *int64 `json:"g,omitempty"`
	Name      string `json:"n"` // as shown to affiliates: their name, or their alias
	Alias     string `json:"x"` // "Affiliate 7"
}

// BoardSnapshot is a board's head: when it was computed, from how many
// changes, and the top places.
type BoardSnapshot struct {
	Board   string       `json:"board"`
	AsOf    time.Time    `json:"as_of"`
	Changes int64        `json:"changes"`
	Count   int          `json:"count"`
	Top     []BoardEntry `json:"top"`
	// A contest's final standings: stored once, their parts under their
	// own run so a second finalizer's parts never mix in.
	Final bool   `json:"final,omitempty"`
	Run   string `json:"run,omitempty"`
}

// PutBoardSnapshot writes a board's standings: every part (an empty one
// too, so no place of an earlier snapshot stays), then the head.
func (s *Store) PutBoardSnapshot(ctx context.Context, snap BoardSnapshot, entries []BoardEntry) error {
	if err := s.putParts(ctx, snap.Board, snap.AsOf, entries); err != nil {
		return err
	}
	head, err := marshal(snap)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: boardSnapTopKey(snap.Board).item(head)})
	return err
}

// finalBoard is where a board's final standings are kept, and finalRun
// where one finalizer's parts are.
func finalBoard(board string) string    { return board + "#final" }
func finalRun(board, run string) string { return board + "#final#" + run }

// PutFinal stores a contest's final standings once: the parts under a run
// of their own, then the head on condition that none is there. false: an
// earlier (or concurrent) run stored them first, and those stand.
func (s *Store) PutFinal(ctx context.Context, snap BoardSnapshot, entries []BoardEntry) (bool, error) {
	var rb [8]byte
	if _, err := rand.Read(rb[:]); err != nil {
		return false, err
	}
	snap.Final, snap.Run = true, hex.EncodeToString(rb[:])
	if err := s.putParts(ctx, finalRun(snap.Board, snap.Run), snap.AsOf, entries); err != nil {
		return false, err
	}
	head, err := marshal(snap)
	if err != nil {
		return false, err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: boardSnapTopKey(finalBoard(snap.Board)).item(head),
		ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if isConditionFailed(err) {
		return false, nil
	}
	return err == nil, err
}

// BoardFinal reads a contest's final head (nil while not final) and the
// affiliate's place in it.
func (s *Store) BoardFinal(ctx context.Context, board, affiliate string) (*BoardSnapshot, *BoardEntry, error) {
	snap, _, err := s.BoardTop(ctx, finalBoard(board), "")
	if err != nil || snap == nil || affiliate == "" {
		return snap, nil, err
	}
	e, err := s.partEntry(ctx, finalRun(board, snap.Run), affiliate)
	return snap, e, err
}

// BoardFinalStandings reads a contest's whole final standings (nil while
// not final).
func (s *Store) BoardFinalStandings(ctx context.Context, board string) (*BoardSnapshot, []BoardEntry, error) {
	snap, _, err := s.BoardTop(ctx, finalBoard(board), "")
	if err != nil || snap == nil {
		return nil, nil, err
	}
	_, es, err := s.boardParts(ctx, finalRun(board, snap.Run), false)
	return snap, es, err
}

// BoardHead is a board's change count and, for a contest, the latest
// available_on of a commission on an order it counted (zero: none).
type BoardHead struct {
	Changes   int64
	HoldUntil time.Time
}

// Head reads a board's head (eventually consistent: the views').
func (s *Store) Head(ctx context.Context, board string) (BoardHead, error) {
	item, err := s.getEventual(ctx, boardHeadKey(board))
	if err != nil || item == nil {
		return BoardHead{}, err
	}
	h, _ := time.Parse(time.RFC3339Nano, str(item["hold_until"]))
	return BoardHead{Changes: num(item["changes"]), HoldUntil: h}, nil
}

// RaiseHold keeps on a contest's head the latest available_on of the
// commissions on the orders it counted: set only when later than what is
// there (an earlier one, or the same again, changes nothing).
func (s *Store) RaiseHold(ctx context.Context, board string, until time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.Table), Key: boardHeadKey(board).av(),
		UpdateExpression:          aws.String("SET hold_until = :h"),
		ConditionExpression:       aws.String("attribute_not_exists(hold_until) OR hold_until < :h"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": attrS(instant(until))}})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// putParts writes every part of a board's places.
func (s *Store) putParts(ctx context.Context, board string, asOf time.Time, entries []BoardEntry) error {
	parts := make([][]BoardEntry, BoardParts)
	for _, e := range entries {
		n := BoardPart(e.Affiliate)
		parts[n] = append(parts[n], e)
	}
	puts := make([]map[string]types.AttributeValue, 0, BoardParts)
	for n, p := range parts {
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		puts = append(puts, boardSnapPartKey(board, n).item(map[string]types.AttributeValue{
			"entries": attrS(string(b)), "as_of": attrS(instant(asOf))}))
	}
	return s.batchWrite(ctx, puts, nil)
}

// BoardTop reads a board's head (nil before its first snapshot), and with
// an affiliate also their part: two eventually consistent GetItems.
func (s *Store) BoardTop(ctx context.Context, board, affiliate string) (*BoardSnapshot, *BoardEntry, error) {
	var snap BoardSnapshot
	item, err := s.getEventual(ctx, boardSnapTopKey(board))
	if err != nil || item == nil {
		return nil, nil, err
	}
	if err := unmarshal(item, &snap); err != nil {
		return nil, nil, err
	}
	if affiliate == "" {
		return &snap, nil, nil
	}
	e, err := s.partEntry(ctx, board, affiliate)
	return &snap, e, err
}

// partEntry finds an affiliate's place in their part of a snapshot.
func (s *Store) partEntry(ctx context.Context, board, affiliate string) (*BoardEntry, error) {
	part, err := s.getEventual(ctx, boardSnapPartKey(board, BoardPart(affiliate)))
	if err != nil || part == nil {
		return nil, err
	}
	var es []BoardEntry
	if err := json.Unmarshal([]byte(str(part["entries"])), &es); err != nil {
		return nil, fmt.Errorf("board %s part: %w", board, err)
	}
	for _, e := range es {
		if e.Affiliate == affiliate {
			return &e, nil
		}
	}
	return nil, nil
}

// BoardStandings reads a board's whole snapshot, in rank order (the
// owner's view): the head and every part, one BatchGetItem.
func (s *Store) BoardStandings(ctx context.Context, board string) (*BoardSnapshot, []BoardEntry, error) {
	return s.boardParts(ctx, board, true)
}

// boardParts reads a snapshot's parts, and its head with them when head.
func (s *Store) boardParts(ctx context.Context, board string, head bool) (*BoardSnapshot, []BoardEntry, error) {
	keys := []Key{boardSnapTopKey(board)}
	if !head {
		keys = nil
	}
	for n := range BoardParts {
		keys = append(keys, boardSnapPartKey(board, n))
	}
	items, err := s.batchGetWith(ctx, keys, false)
	if err != nil {
		return nil, nil, err
	}
	var snap BoardSnapshot
	if head {
		it, ok := items[boardSnapTopKey(board)]
		if !ok {
			return nil, nil, nil
		}
		if err := unmarshal(it, &snap); err != nil {
			return nil, nil, err
		}
	}
	all := make([]BoardEntry, 0, snap.Count)
	for n := range BoardParts {
		var es []BoardEntry
		if it, ok := items[boardSnapPartKey(board, n)]; ok {
			if err := json.Unmarshal([]byte(str(it["entries"])), &es); err != nil {
				return nil, nil, err
			}
		}
		all = append(all, es...)
	}
	sortEntries(all)
	return &snap, all, nil
}

// BoardAlias is an affiliate's number on an event's boards and whether
// they chose to show their name.
type BoardAlias struct {
	N    int64
	Show bool
}

// BoardAliases reads an event's aliases (the snapshot job only).
func (s *Store) BoardAliases(ctx context.Context, event string) (map[string]BoardAlias, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk AND SK < :next"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS("BOARDALIAS#" + event), ":next": attrS("~")},
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]BoardAlias, len(items))
	for _, it := range items {
		show, _ := it["show"].(*types.AttributeValueMemberBOOL)
		out[str(it[attrSK])] = BoardAlias{N: num(it["n"]), Show: show != nil && show.Value}
	}
	return out, nil
}

// GiveAliases numbers the affiliates that have no number on the event's
// boards yet, in the order given: the numbers are taken from the event's
// counter at once, and each is set only where none is (a number, once
// given, never changes; a run that loses a race leaves a gap).
func (s *Store) GiveAliases(ctx context.Context, event string, affiliates []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(affiliates) == 0 {
		return out, nil
	}
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.Table), Key: boardAliasNextKey(event).av(),
		UpdateExpression: aws.String("ADD n :k"), ExpressionAttributeValues: map[string]types.AttributeValue{":k": attrN(int64(len(affiliates)))},
		ReturnValues: types.ReturnValueUpdatedNew})
	if err != nil {
		return nil, err
	}
	first := num(res.Attributes["n"]) - int64(len(affiliates)) + 1
	for i, a := range affiliates {
		n := first + int64(i)
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.Table), Key: boardAliasKey(event, a).av(),
			UpdateExpression: aws.String("SET n = :n"), ConditionExpression: aws.String("attribute_not_exists(n)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": attrN(n)}})
		if isConditionFailed(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[a] = n
	}
	return out, nil
}

// Alias reads an affiliate's number (0: none yet) and name choice on an
// event's boards.
func (s *Store) Alias(ctx context.Context, event, affiliate string) (BoardAlias, error) {
	item, err := s.getEventual(ctx, boardAliasKey(event, affiliate))
	if err != nil || item == nil {
		return BoardAlias{}, err
	}
	show, _ := item["show"].(*types.AttributeValueMemberBOOL)
	return BoardAlias{N: num(item["n"]), Show: show != nil && show.Value}, nil
}

// SetShowName records an affiliate's choice for an event's boards and
// counts a change on board, so its next snapshot shows it.
func (s *Store) SetShowName(ctx context.Context, event, affiliate, board string, show bool, now time.Time) error {
	t := aws.String(s.Table)
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: t, Key: boardAliasKey(event, affiliate).av(),
			UpdateExpression: aws.String("SET #s = :s, changed_at = :t"), ExpressionAttributeNames: map[string]string{"#s": "show"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberBOOL{Value: show}, ":t": attrS(instant(now))}}},
		{Update: &types.Update{TableName: t, Key: boardHeadKey(board).av(),
			UpdateExpression: aws.String("ADD changes :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": attrN(1)}}},
	}})
	if errors.Is(txnErr(err), ErrRetry) {
		return fmt.Errorf("name choice: %w", err)
	}
	return err
}

func num(v types.AttributeValue) int64 {
	if n, ok := v.(*types.AttributeValueMemberN); ok {
		i, _ := strconv.ParseInt(n.Value, 10, 64)
		return i
	}
	return 0
}

// sortEntries puts a snapshot's places in rank order.
func sortEntries(es []BoardEntry) {
	slices.SortFunc(es, func(a, b BoardEntry) int { return a.Rank - b.Rank })
}

// getEventual reads one item with an eventually consistent read (half the
// read units): for snapshots, which change once a minute at most.
func (s *Store) getEventual(ctx context.Context, k Key) (map[string]types.AttributeValue, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.Table), Key: k.av()})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}
