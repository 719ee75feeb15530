package store

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/ledger"
	"github.com/tallyhq/tally/shared/domain/program"
)

// Payee markers: one item per affiliate that has ever had a ledger entry,
// in one partition by code, so what must go through everyone who may be
// owed (a payout, the owner's balances) reads those affiliates' ledgers and
// no other's (SPEC 15). A marker is written before the entry that needs it
// and never deleted: every entry's affiliate has one, and a marker whose
// entry was then refused costs a read of an empty ledger, nothing more.

// payeesFirst sorts after payeesKnownKey's sort key and before every code
// ([a-z0-9-]): a Query of the markers starts after it.
const payeesFirst = "#~"

// payeeSet remembers, per warm function, the affiliates whose marker it
// has written or seen, so an order writes a marker once per container.
type payeeSet struct {
	mu    sync.Mutex
	codes map[string]bool
	known bool
}

func (p *payeeSet) missing(codes []string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	seen := map[string]bool{}
	for _, c := range codes {
		if c != "" && !p.codes[c] && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

func (p *payeeSet) add(codes []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.codes == nil || len(p.codes) >= 100_000 { // bounded: a marker written again costs one write
		p.codes = map[string]bool{}
	}
	for _, c := range codes {
		p.codes[c] = true
	}
}

// entryAffiliates are the affiliates of entries.
func entryAffiliates(es []ledger.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Affiliate
	}
	return out
}

func payeeItem(code string) map[string]types.AttributeValue {
	return payeeKey(code).item(map[string]types.AttributeValue{"affiliate": attrS(code), "entity": attrS("payee")})
}

// markPayees writes the markers of the affiliates about to get ledger
// entries, those this function has not written already: a PutItem each
// (none when all are known). It runs before the entries' transaction,
// outside it: a marker in every order's transaction would make two orders
// of one affiliate conflict.
func (s *Store) markPayees(ctx context.Context, codes ...string) error {
	for _, c := range s.payees.missing(codes) {
		if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: payeeItem(c)}); err != nil {
			return fmt.Errorf("payee marker: %w", err)
		}
		s.payees.add([]string{c})
	}
	return nil
}

// PayeesKnown says whether every affiliate with a ledger entry has its
// marker: true for a table whose program was first loaded with markers in
// place, and once `tallyctl rebuild-markers` has marked an older table.
// Until then the readers go through every affiliate. A warm function
// remembers a yes (it never goes back).
func (s *Store) PayeesKnown(ctx context.Context) (bool, error) {
	s.payees.mu.Lock()
	known := s.payees.known
	s.payees.mu.Unlock()
	if known {
		return true, nil
	}
	item, err := s.get(ctx, payeesKnownKey())
	if err != nil {
		return false, fmt.Errorf("payee markers: %w", err)
	}
	if item == nil {
		return false, nil
	}
	s.payees.mu.Lock()
	s.payees.known = true
	s.payees.mu.Unlock()
	return true, nil
}

// setPayeesKnown records that every affiliate with a ledger entry has its
// marker.
func (s *Store) setPayeesKnown(ctx context.Context) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: payeesKnownItem()})
	return err
}

func payeesKnownItem() map[string]types.AttributeValue {
	return payeesKnownKey().item(map[string]types.AttributeValue{"entity": attrS("payees_known")})
}

// WithLedger says which of codes have a ledger (a marker), by one
// consistent BatchGetItem per 100; nil (every code may have one) until
// PayeesKnown.
func (s *Store) WithLedger(ctx context.Context, codes []string) (map[string]bool, error) {
	known, err := s.PayeesKnown(ctx)
	if err != nil || !known {
		return nil, err
	}
	keys := make([]Key, len(codes))
	for i, c := range codes {
		keys[i] = payeeKey(c)
	}
	got, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("payee markers: %w", err)
	}
	has := make(map[string]bool, len(got))
	for k := range got {
		has[k.SK] = true
	}
	return has, nil
}

// PayeePage is, for a payout, a page of the affiliates who may be owed, by
// code after cursor: those with a marker (one consistent Query, then their
// items by BatchGetItem), or every affiliate, current and former, until
// the markers are known complete. next is "" on the last page.
func (s *Store) PayeePage(ctx context.Context, cursor string, limit int) ([]program.Affiliate, string, error) {
	page, next, err := s.EarnerPage(ctx, cursor, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]program.Affiliate, len(page))
	for i, l := range page {
		out[i] = l.Affiliate
	}
	return out, next, nil
}

// EarnerPage is PayeePage as the owner's lists show it (who is former):
// the affiliates with a ledger, by code after cursor, or every affiliate
// until the markers are known complete.
func (s *Store) EarnerPage(ctx context.Context, cursor string, limit int) ([]Listed, string, error) {
	known, err := s.PayeesKnown(ctx)
	if err != nil {
		return nil, "", err
	}
	if !known {
		return s.AffiliatePage(ctx, cursor, limit)
	}
	return s.payeeMarkerPage(ctx, cursor, limit)
}

// payeeMarkerPage is the affiliates of a page of markers after cursor (a
// code, base64url as AffiliatePage's), in the order of their codes.
func (s *Store) payeeMarkerPage(ctx context.Context, cursor string, limit int) ([]Listed, string, error) {
	after := payeesFirst
	if cursor != "" {
		var err error
		if after, err = codeAfter(cursor); err != nil {
			return nil, "", err
		}
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(s.Table), Limit: aws.Int32(int32(limit + 1)), // as AffiliatePage
		KeyConditionExpression:    aws.String("PK = :pk AND SK > :after"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(payeesPK), ":after": attrS(after)},
		ConsistentRead:            aws.Bool(true)})
	if err != nil {
		return nil, "", fmt.Errorf("payee markers: %w", err)
	}
	items := out.Items
	if len(items) > limit {
		items = items[:limit]
	}
	codes := make([]string, 0, len(items))
	for _, it := range items {
		codes = append(codes, str(it[attrSK]))
	}
	found, err := s.affiliatesByCode(ctx, codes, true)
	if err != nil {
		return nil, "", err
	}
	byCode := make(map[string]Listed, len(found))
	for _, l := range found {
		byCode[l.Code] = l
	}
	page := make([]Listed, 0, len(codes))
	for _, c := range codes {
		l, ok := byCode[c]
		if !ok { // an affiliate item is never deleted; should one be missing, its ledger is still read
			l = Listed{Affiliate: program.Affiliate{Code: c, Name: c}, Former: true}
		}
		page = append(page, l)
	}
	var next string
	if len(out.Items) > limit {
		next = codeCursor(codes[len(codes)-1])
	}
	return page, next, nil
}

// rebuildPayees marks every affiliate of as with a ledger entry (a Query of
// one item of its ledger each), then records the markers known complete.
func (s *Store) rebuildPayees(ctx context.Context, as []program.Affiliate) (int, error) {
	n := 0
	for _, a := range as {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(s.Table), Limit: aws.Int32(1),
			KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :entry)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": attrS(affPrefix + a.Code), ":entry": attrS(entryPrefix)},
			ConsistentRead: aws.Bool(true)})
		if err != nil {
			return n, err
		}
		if len(out.Items) == 0 {
			continue
		}
		if err := s.markPayees(ctx, a.Code); err != nil {
			return n, err
		}
		n++
	}
	return n, s.setPayeesKnown(ctx)
}
