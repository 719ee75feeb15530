package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/program"
)

// Why an affiliate's write was refused.
var (
	// ErrCodeTaken: an affiliate (current or former) already has the code.
	ErrCodeTaken = errors.New("code taken")
	// ErrAffiliateChanged: the affiliate changed since it was read.
	ErrAffiliateChanged = errors.New("affiliate changed meanwhile")
	// ErrNoProgram: no program is loaded, so there is nothing to add to.
	ErrNoProgram = errors.New("no program is loaded")
)

// CouponTaken is a coupon code another affiliate holds.
type CouponTaken struct{ Code string }

func (e *CouponTaken) Error() string { return fmt.Sprintf("coupon code %q is taken", e.Code) }

// GetAffiliate reads one affiliate (or former one) by code, consistently:
// what an edit starts from. nil when there is none.
func (s *Store) GetAffiliate(ctx context.Context, code string) (*program.Affiliate, bool, error) {
	item, err := s.get(ctx, affiliateKey(code))
	if err != nil || item == nil {
		return nil, false, err
	}
	var h programItem
	var a program.Affiliate
	if err := unmarshal(item, &h); err != nil {
		return nil, false, err
	}
	if err := unmarshal(item, &a); err != nil {
		return nil, false, err
	}
	a.Pos = int64(h.Pos)
	return &a, h.Kind == "former", nil
}

// AffiliateWrite is one affiliate written outside the program file: the
// record, what it was when read (nil for a new one), and whether it is now
// former.
type AffiliateWrite struct {
	Affiliate program.Affiliate
	Prev      *program.Affiliate
	Former    bool
	// Quiet leaves the program's version alone: an import bumps it once,
	// after its last row.
	Quiet bool
}

// SaveAffiliate writes an affiliate in one transaction: its item (new:
// only if the code was never used; else only if unchanged since read),
// its coupon codes' markers (each only if free or its own; those it no
// longer has deleted), the links of its new enrollments, and a new program
// version so every function's cache reloads within its period.
func (s *Store) SaveAffiliate(ctx context.Context, w AffiliateWrite, now time.Time) error {
	a := w.Affiliate
	links, err := s.newLinks(ctx, a, w.Prev)
	if err != nil {
		return err
	}
	// A new affiliate comes after the file's (positions 0..n) and those
	// added before it.
	a.Rev, a.Pos = 1, now.UnixMilli()
	if w.Prev != nil {
		a.Rev, a.Pos = w.Prev.Rev+1, w.Prev.Pos
	}
	pos := a.Pos
	kind := "affiliate"
	if w.Former {
		kind = "former"
	}
	attrs, err := marshal(a)
	if err != nil {
		return err
	}
	attrs["entity"], attrs["pos"] = attrS(kind), attrN(pos)
	put := &types.Put{TableName: aws.String(s.Table), Item: affiliateKey(a.Code).item(attrs)}
	if w.Prev == nil {
		put.ConditionExpression = aws.String("attribute_not_exists(PK)")
	} else {
		put.ConditionExpression = aws.String("rev = :rev OR (attribute_not_exists(rev) AND :rev = :zero)")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":rev": attrN(w.Prev.Rev), ":zero": attrN(0)}
	}
	acts := []types.TransactWriteItem{{Put: put}}
	what := []string{""} // what each action's condition guards: "" the affiliate, a coupon code, "meta"

	had := map[string]bool{}
	if w.Prev != nil {
		for _, c := range w.Prev.Coupons {
			had[program.CouponKey(c)] = true
		}
	}
	has := map[string]bool{}
	for _, c := range a.Coupons {
		k := program.CouponKey(c)
		has[k] = true
		acts = append(acts, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.Table),
			Item:                      couponKey(k).item(map[string]types.AttributeValue{"affiliate": attrS(a.Code), "code": attrS(c)}),
			ConditionExpression:       aws.String("attribute_not_exists(PK) OR affiliate = :a"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":a": attrS(a.Code)}}})
		what = append(what, c)
	}
	for k := range had {
		if has[k] {
			continue
		}
		acts = append(acts, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.Table), Key: couponKey(k).av(),
			ConditionExpression:       aws.String("attribute_not_exists(PK) OR affiliate = :a"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":a": attrS(a.Code)}}})
		what = append(what, "")
	}
	for _, l := range links {
		attrs, err := marshal(l)
		if err != nil {
			return err
		}
		attrs["entity"], attrs["pos"] = attrS("link"), attrN(pos)
		acts = append(acts, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.Table), Item: linkKey(l.Event, l.Affiliate).item(attrs)}})
		what = append(what, "link")
	}
	for _, act := range s.markerWrites(a, w.Prev) {
		acts = append(acts, act)
		what = append(what, "")
	}
	if !w.Quiet {
		acts = append(acts, s.bumpVersion())
		what = append(what, "meta")
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: acts})
	if err == nil {
		return nil
	}
	for i, r := range canceledReasons(err) {
		if aws.ToString(r.Code) != "ConditionalCheckFailed" || i >= len(what) {
			continue
		}
		switch {
		case i == 0 && w.Prev == nil:
			return ErrCodeTaken
		case i == 0:
			return ErrAffiliateChanged
		case what[i] == "meta":
			return ErrNoProgram
		case what[i] != "" && what[i] != "link":
			return &CouponTaken{Code: what[i]}
		}
	}
	return txnErr(err)
}

// BumpProgramVersion gives the program a new version, so every function's
// cache reloads it within its period (after an import's rows).
func (s *Store) BumpProgramVersion(ctx context.Context) error {
	u := s.bumpVersion().Update
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
		ConditionExpression: u.ConditionExpression, ExpressionAttributeValues: u.ExpressionAttributeValues})
	if isConditionFailed(err) {
		return ErrNoProgram
	}
	return err
}

func (s *Store) bumpVersion() types.TransactWriteItem {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.Table), Key: programMetaKey().av(),
		UpdateExpression:          aws.String("SET version = :v"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": attrS("d" + hex.EncodeToString(b))}}}
}

// newLinks claims a short code for each event a is newly enrolled in that
// has no link yet (an enrollment that returns keeps its old link).
func (s *Store) newLinks(ctx context.Context, a program.Affiliate, prev *program.Affiliate) ([]program.Link, error) {
	var out []program.Link
	for _, ev := range a.Events {
		if prev != nil && prev.EnrolledIn(ev) {
			continue
		}
		if prev != nil { // a new code never had a link; a returning enrollment keeps its own
			if it, err := s.get(ctx, linkKey(ev, a.Code)); err != nil {
				return nil, err
			} else if it != nil {
				continue
			}
		}
		code, err := s.reserveShortCode(ctx, ev, a.Code)
		if err != nil {
			return nil, err
		}
		out = append(out, program.Link{Event: ev, Affiliate: a.Code, Code: code})
	}
	return out, nil
}

// Imported is what an import wrote.
type Imported struct{ Imported, Updated, Unchanged int }

// WriteImport writes an import program.PlanImport checked whole: one
// transaction per new or changed row (SaveAffiliate, without the version),
// then one new program version. Unchanged rows write nothing, so the same
// file twice changes nothing. A row refused by its conditions (a code or
// coupon taken meanwhile, a record changed since it was read) stops the
// import there, naming its line; the rows before it are written, and
// importing the file again completes it.
func (s *Store) WriteImport(ctx context.Context, im program.Import, now time.Time) (Imported, error) {
	out := Imported{Unchanged: im.Unchanged}
	rows := append(append([]program.ImportRow{}, im.New...), im.Updated...)
	for _, row := range rows {
		err := s.SaveAffiliate(ctx, AffiliateWrite{Affiliate: row.Affiliate, Prev: row.Prev, Quiet: true}, now)
		if err != nil {
			if out.Imported+out.Updated > 0 {
				err = errors.Join(err, s.BumpProgramVersion(ctx))
			}
			return out, &RowError{Line: row.Line, Code: row.Affiliate.Code, Err: err}
		}
		if row.Prev == nil {
			out.Imported++
		} else {
			out.Updated++
		}
	}
	if out.Imported+out.Updated > 0 {
		return out, s.BumpProgramVersion(ctx)
	}
	return out, nil
}

// RowError is an import's row refused while writing.
type RowError struct {
	Line int
	Code string
	Err  error
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *RowError) Unwrap() error { return e.Err }

// ImportCSV checks a CSV of affiliates whole against the program as the
// table holds it now (program.PlanImport: a *program.InvalidImport names
// every problem by line, and nothing is written), then writes it.
func (s *Store) ImportCSV(ctx context.Context, data []byte, now time.Time) (Imported, error) {
	im, err := s.PlanCSV(ctx, data)
	if err != nil {
		return Imported{}, err
	}
	return s.WriteImport(ctx, im, now)
}

// PlanCSV checks a CSV of affiliates whole against the program as the
// table holds it now, writing nothing (program.PlanImport).
func (s *Store) PlanCSV(ctx context.Context, data []byte) (program.Import, error) {
	p, err := s.ImportView(ctx, data)
	if err != nil {
		return program.Import{}, err
	}
	return program.PlanImport(p, data)
}

// ImportView is the rules with the affiliates, current and former, that a
// CSV import names: its rows' codes and the holders of its coupon codes,
// read by key and consistently (a BatchGetItem per 100). Over it an import
// is planned as over the whole program (program.PlanImport looks up no
// other affiliate), at a cost that grows with the file, not the program
// (SPEC 15). ErrNoProgram when no program is loaded.
func (s *Store) ImportView(ctx context.Context, data []byte) (*program.Program, error) {
	rules, _, err := s.LoadRules(ctx)
	if err != nil {
		return nil, err
	}
	if rules == nil {
		return nil, ErrNoProgram
	}
	codes, coupons := program.ImportNames(data)
	keys := make([]Key, 0, len(coupons))
	for _, c := range coupons {
		keys = append(keys, couponKey(program.CouponKey(c)))
	}
	marks, err := s.batchGetWith(ctx, keys, true)
	if err != nil {
		return nil, fmt.Errorf("import's coupon codes: %w", err)
	}
	named := map[string]bool{}
	for _, c := range codes {
		named[c] = true
	}
	for _, it := range marks {
		var m struct {
			Affiliate string `json:"affiliate"`
		}
		if err := unmarshal(it, &m); err != nil {
			return nil, err
		}
		if m.Affiliate != "" && !named[m.Affiliate] {
			named[m.Affiliate] = true
			codes = append(codes, m.Affiliate)
		}
	}
	listed, err := s.affiliatesByCode(ctx, codes, true)
	if err != nil {
		return nil, fmt.Errorf("import's affiliates: %w", err)
	}
	var current, former []program.Affiliate
	for _, l := range listed {
		if l.Former {
			former = append(former, l.Affiliate)
		} else {
			current = append(current, l.Affiliate)
		}
	}
	return rules.WithAffiliates(current, former), nil
}

// CurrentAffiliate reads one affiliate by key with the links of its
// enrollments (one GetItem, one BatchGetItem): what a request needs of it,
// never the whole program. nil when the code is nobody's or a former
// affiliate's.
func (s *Store) CurrentAffiliate(ctx context.Context, code string) (*program.Affiliate, []program.Link, error) {
	return s.currentAffiliate(ctx, code, true)
}

// AffiliateSource is the table as program.Known's source; links says
// whether an affiliate comes with its links (a click needs none).
func (s *Store) AffiliateSource(links bool) program.AffiliateSource { return affiliateSource{s, links} }

type affiliateSource struct {
	s     *Store
	links bool
}

func (a affiliateSource) CurrentAffiliate(ctx context.Context, code string) (*program.Affiliate, []program.Link, error) {
	return a.s.currentAffiliate(ctx, code, a.links)
}
func (a affiliateSource) ShortLink(ctx context.Context, code string) (program.Link, bool, error) {
	return a.s.ShortLink(ctx, code)
}
func (a affiliateSource) CouponHolder(ctx context.Context, code string) (*program.Affiliate, bool, error) {
	return a.s.CouponHolder(ctx, code)
}
func (a affiliateSource) Payee(ctx context.Context, code string) (*program.Affiliate, bool, error) {
	return a.s.GetAffiliate(ctx, code)
}

// CouponHolder is the affiliate, current or former, holding a coupon code
// whatever its case, and whether it is former: the code's marker names it
// (one GetItem), and its item, read by key, must still hold the code (the
// loader writes markers apart from its affiliates). nil when nobody does.
func (s *Store) CouponHolder(ctx context.Context, code string) (*program.Affiliate, bool, error) {
	var m struct {
		Affiliate string `json:"affiliate"`
	}
	found, err := s.getAs(ctx, couponKey(program.CouponKey(code)), &m)
	if err != nil || !found || m.Affiliate == "" {
		return nil, false, err
	}
	a, former, err := s.GetAffiliate(ctx, m.Affiliate)
	if err != nil || a == nil {
		return nil, false, err
	}
	for _, c := range a.Coupons {
		if program.CouponKey(c) == program.CouponKey(code) {
			return a, former, nil
		}
	}
	return nil, false, nil
}

func (s *Store) currentAffiliate(ctx context.Context, code string, withLinks bool) (*program.Affiliate, []program.Link, error) {
	a, former, err := s.GetAffiliate(ctx, code)
	if err != nil || a == nil || former || !withLinks {
		if former {
			a = nil
		}
		return a, nil, err
	}
	keys := make([]Key, 0, len(a.Events))
	for _, ev := range a.Events {
		keys = append(keys, linkKey(ev, a.Code))
	}
	got, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, nil, err
	}
	links := make([]program.Link, 0, len(keys))
	for _, k := range keys {
		if it, ok := got[k]; ok {
			var l program.Link
			if err := unmarshal(it, &l); err != nil {
				return nil, nil, err
			}
			links = append(links, l)
		}
	}
	return a, links, nil
}

// ShortLink reads a short code's claim, which names its (event, affiliate)
// pair: /s/{code} needs no map of every link.
func (s *Store) ShortLink(ctx context.Context, code string) (program.Link, bool, error) {
	var l program.Link
	found, err := s.getAs(ctx, shortCodeKey(code), &l)
	if err != nil || !found || l.Event == "" || l.Affiliate == "" {
		return program.Link{}, false, err
	}
	l.Code = code
	return l, true, nil
}
