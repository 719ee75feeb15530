package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/program"
)

// programItem wraps an entity of the program partition with its position in
// the file, since program order matters ("first enrolled event").
type programItem struct {
	Kind string `json:"entity"` // not "kind": products have a kind of their own
	Pos  int    `json:"pos"`
}

func posOf(it map[string]types.AttributeValue) int64 {
	var h programItem
	_ = unmarshal(it, &h)
	return int64(h.Pos)
}

// LoadProgram reads the whole program partition in one paginated Query and
// returns the indexed program and its version (empty when none is loaded).
func (s *Store) LoadProgram(ctx context.Context) (*program.Program, string, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(programPK)},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, "", fmt.Errorf("load program: %w", err)
	}
	return programOf(items)
}

// LoadRules reads the program's rules only (settings, events, products,
// plans, owners): two range Queries of the program partition that skip
// its affiliates and links, so what a cold start reads does not grow with
// affiliates (SPEC 15). Affiliates are then read by key (CurrentAffiliate).
func (s *Store) LoadRules(ctx context.Context) (*program.Program, string, error) {
	var items []map[string]types.AttributeValue
	// Sort keys: AFFILIATE# < EVENT# < LINK# < META < OWNER# < PLAN# < PRODUCT#.
	for _, r := range [][2]string{{eventKey("").SK, eventKey("~").SK}, {programMetaKey().SK, productKey("~").SK}} {
		got, err := s.queryAll(ctx, &dynamodb.QueryInput{
			KeyConditionExpression:    aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(programPK), ":lo": attrS(r[0]), ":hi": attrS(r[1])},
			ConsistentRead:            aws.Bool(true),
		})
		if err != nil {
			return nil, "", fmt.Errorf("load rules: %w", err)
		}
		items = append(items, got...)
	}
	return programOf(items)
}

// Rules is the table as a source of the rules only, for a program.Cache.
func (s *Store) Rules() program.Source { return rules{s} }

type rules struct{ s *Store }

func (r rules) LoadProgram(ctx context.Context) (*program.Program, string, error) {
	return r.s.LoadRules(ctx)
}
func (r rules) ProgramVersion(ctx context.Context) (string, error) { return r.s.ProgramVersion(ctx) }

// programOf assembles a program from its partition's items.
func programOf(items []map[string]types.AttributeValue) (*program.Program, string, error) {
	p := &program.Program{}
	var version string
	type posd struct {
		pos  int
		item map[string]types.AttributeValue
	}
	byKind := map[string][]posd{}
	for _, it := range items {
		var h programItem
		if err := unmarshal(it, &h); err != nil {
			return nil, "", err
		}
		if h.Kind == "meta" {
			var m struct {
				Version string `json:"version"`
			}
			if err := unmarshal(it, p); err != nil {
				return nil, "", err
			}
			if err := unmarshal(it, &m); err != nil {
				return nil, "", err
			}
			version = m.Version
			continue
		}
		byKind[h.Kind] = append(byKind[h.Kind], posd{h.Pos, it})
	}
	if version == "" {
		return nil, "", nil
	}
	for _, list := range byKind {
		sort.Slice(list, func(i, j int) bool { return list[i].pos < list[j].pos })
	}
	decode := func(kind string, each func(map[string]types.AttributeValue) error) error {
		for _, x := range byKind[kind] {
			if err := each(x.item); err != nil {
				return fmt.Errorf("load program %s: %w", kind, err)
			}
		}
		return nil
	}
	err := decode("event", func(it map[string]types.AttributeValue) error {
		var v program.Event
		err := unmarshal(it, &v)
		p.Events = append(p.Events, v)
		return err
	})
	if err == nil {
		err = decode("product", func(it map[string]types.AttributeValue) error {
			var v program.Product
			err := unmarshal(it, &v)
			p.Products = append(p.Products, v)
			return err
		})
	}
	if err == nil {
		err = decode("plan", func(it map[string]types.AttributeValue) error {
			var v program.Plan
			err := unmarshal(it, &v)
			p.Plans = append(p.Plans, v)
			return err
		})
	}
	if err == nil {
		err = decode("affiliate", func(it map[string]types.AttributeValue) error {
			var v program.Affiliate
			err := unmarshal(it, &v)
			v.Pos = posOf(it)
			p.Affiliates = append(p.Affiliates, v)
			return err
		})
	}
	if err == nil {
		err = decode("former", func(it map[string]types.AttributeValue) error {
			var v program.Affiliate
			err := unmarshal(it, &v)
			v.Pos = posOf(it)
			p.Former = append(p.Former, v)
			return err
		})
	}
	if err == nil {
		err = decode("owner", func(it map[string]types.AttributeValue) error {
			var v program.Owner
			err := unmarshal(it, &v)
			p.Owners = append(p.Owners, v)
			return err
		})
	}
	if err == nil {
		err = decode("link", func(it map[string]types.AttributeValue) error {
			var v program.Link
			err := unmarshal(it, &v)
			p.Links = append(p.Links, v)
			return err
		})
	}
	if err != nil {
		return nil, "", err
	}
	if err := p.Index(); err != nil {
		return nil, "", err
	}
	return p, version, nil
}

// ProgramVersion reads only the version of the loaded program (one small
// GetItem), so caches can tell cheaply whether to reload.
func (s *Store) ProgramVersion(ctx context.Context) (string, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:            aws.String(s.Table),
		Key:                  programMetaKey().av(),
		ProjectionExpression: aws.String("version"),
	})
	if err != nil {
		return "", err
	}
	var m struct {
		Version string `json:"version"`
	}
	err = unmarshal(out.Item, &m)
	return m.Version, err
}

// Loaded is what loading a program file did: the program's new version,
// and what it left alone, and why.
type Loaded struct {
	Version  string
	Warnings []string
}

// SaveProgram loads a validated program file (Load) and returns its version.
func (s *Store) SaveProgram(ctx context.Context, p *program.Program, now time.Time) (string, error) {
	ld, err := s.Load(ctx, p, now)
	return ld.Version, err
}

// Load writes a validated program file: its rules (events, products,
// plans, owners), its own affiliates as program.PlanLoad decides (never
// one made on the dashboard or by import; those the file listed before and
// no longer lists become former), their coupon codes' markers, a short
// code for every enrollment that has none (codes never change), the
// hashes of the file's API keys (dropping those the file no longer has),
// and the version last, so a reader never sees a version whose items are
// not all written. A file PlanLoad refuses writes nothing.
func (s *Store) Load(ctx context.Context, p *program.Program, now time.Time) (Loaded, error) {
	old, _, err := s.LoadProgram(ctx)
	if err != nil {
		return Loaded{}, err
	}
	plan, err := program.PlanLoad(p, old)
	if err != nil {
		return Loaded{}, err
	}
	prev := map[string]program.Affiliate{}
	links := map[[2]string]program.Link{}
	if old != nil {
		for _, a := range old.Payees() {
			prev[a.Code] = a
		}
		for _, l := range old.Links {
			links[[2]string{l.Event, l.Affiliate}] = l
		}
	}
	for _, a := range plan.Write {
		for _, ev := range a.Events {
			if _, ok := links[[2]string{ev, a.Code}]; ok {
				continue
			}
			code, err := s.reserveShortCode(ctx, ev, a.Code)
			if err != nil {
				return Loaded{}, err
			}
			links[[2]string{ev, a.Code}] = program.Link{Event: ev, Affiliate: a.Code, Code: code}
		}
	}
	p.Links = p.Links[:0]
	for _, l := range links {
		p.Links = append(p.Links, l)
	}
	sort.Slice(p.Links, func(i, j int) bool {
		return p.Links[i].Affiliate+"#"+p.Links[i].Event < p.Links[j].Affiliate+"#"+p.Links[j].Event
	})
	p.IndexLinks()

	// The file's affiliates' coupon codes first: a code someone took since
	// PlanLoad read the table stops the load before anything else is written.
	for _, a := range append(slices.Clone(plan.Write), plan.Former...) {
		if err := s.fileCoupons(ctx, a, prev[a.Code]); err != nil {
			return Loaded{}, err
		}
	}

	var puts []map[string]types.AttributeValue
	keep := map[string]bool{programMetaKey().SK: true}
	add := func(k Key, kind string, pos int, v any) error {
		attrs, err := marshal(v)
		if err != nil {
			return err
		}
		attrs["entity"] = attrS(kind)
		attrs["pos"] = attrN(int64(pos))
		puts = append(puts, k.item(attrs))
		keep[k.SK] = true
		return nil
	}
	for i, e := range p.Events {
		if err := add(eventKey(e.Slug), "event", i, e); err != nil {
			return Loaded{}, err
		}
	}
	for i, x := range p.Products {
		if err := add(productKey(x.SKU), "product", i, x); err != nil {
			return Loaded{}, err
		}
	}
	for i, x := range p.Plans {
		if err := add(planKey(x.ID), "plan", i, x); err != nil {
			return Loaded{}, err
		}
	}
	for i, x := range p.Owners {
		if err := add(ownerKey(x.Name), "owner", i, x); err != nil {
			return Loaded{}, err
		}
	}
	for i, l := range p.Links {
		if err := add(linkKey(l.Event, l.Affiliate), "link", i, l); err != nil {
			return Loaded{}, err
		}
	}
	// The file's affiliates, each only while the file still manages it (the
	// dashboard may have taken it over since PlanLoad read the table).
	p.Former = nil
	if old != nil {
		p.Former = old.Former
	}
	for i, a := range plan.Write {
		a.Rev, a.Pos = prev[a.Code].Rev+1, int64(i)
		if err := s.putFileAffiliate(ctx, a, "affiliate", prev); err != nil {
			return Loaded{}, err
		}
	}
	for _, a := range plan.Former {
		a.Rev = prev[a.Code].Rev + 1
		if err := s.putFileAffiliate(ctx, a, "former", prev); err != nil {
			return Loaded{}, err
		}
		p.Former = append(p.Former, a)
	}

	// API keys named in the file; those of the previous file that are gone
	// are deleted, keys issued by the CLI are left alone.
	written := map[string]bool{}
	for _, a := range plan.Write {
		written[a.Code] = true
	}
	fileKeys := map[string]map[string]types.AttributeValue{}
	for _, a := range p.Affiliates {
		if a.APIKey != "" && written[a.Code] {
			fileKeys[HashKey(a.APIKey)] = apiKeyItem(HashKey(a.APIKey), RoleAffiliate, a.Code, "program", now)
		}
	}
	for _, o := range p.Owners {
		if o.APIKey != "" {
			fileKeys[HashKey(o.APIKey)] = apiKeyItem(HashKey(o.APIKey), RoleOwner, o.Name, "program", now)
		}
	}
	var deletes []Key
	oldMeta, err := s.get(ctx, programMetaKey())
	if err != nil {
		return Loaded{}, err
	}
	var prevMeta struct {
		KeyHashes []string `json:"key_hashes"`
	}
	if oldMeta != nil {
		if err := unmarshal(oldMeta, &prevMeta); err != nil {
			return Loaded{}, err
		}
	}
	for _, h := range prevMeta.KeyHashes {
		if _, still := fileKeys[h]; !still {
			deletes = append(deletes, apiKeyKey(h))
		}
	}
	hashes := make([]string, 0, len(fileKeys))
	for h, it := range fileKeys {
		hashes = append(hashes, h)
		puts = append(puts, it)
	}
	sort.Strings(hashes)

	// Rules the new file dropped. Affiliates are never deleted: a code is
	// never used twice, and former ones are still paid what they are owed.
	if old != nil {
		items, err := s.queryAll(ctx, &dynamodb.QueryInput{
			KeyConditionExpression:    aws.String("PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(programPK)},
			ProjectionExpression:      aws.String("PK, SK"),
			ConsistentRead:            aws.Bool(true),
		})
		if err != nil {
			return Loaded{}, err
		}
		for _, it := range items {
			var k struct{ PK, SK string }
			if err := unmarshal(it, &k); err != nil {
				return Loaded{}, err
			}
			if !keep[k.SK] && !strings.HasPrefix(k.SK, affiliateKey("").SK) {
				deletes = append(deletes, Key{k.PK, k.SK})
			}
		}
	}
	if old == nil {
		// A program loaded for the first time has no ledger yet: every entry
		// from now on comes with its affiliate's payee marker.
		puts = append(puts, payeesKnownItem())
	}
	if err := s.batchWrite(ctx, puts, deletes); err != nil {
		return Loaded{}, err
	}

	// The version names this load, not only the file: the same file loaded
	// again after changes on the dashboard must still make caches reload.
	version, err := programVersion(p)
	if err != nil {
		return Loaded{}, err
	}
	version += "-" + randomCode(6)
	meta, err := marshal(p)
	if err != nil {
		return Loaded{}, err
	}
	meta["entity"] = attrS("meta")
	meta["version"] = attrS(version)
	meta["loaded_at"] = attrS(now.UTC().Format(time.RFC3339))
	if len(hashes) > 0 {
		meta["key_hashes"] = &types.AttributeValueMemberSS{Value: hashes}
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: programMetaKey().item(meta)})
	return Loaded{Version: version, Warnings: plan.Warnings}, err
}

// putFileAffiliate writes one of the file's affiliates, only while the
// file manages it (ErrManagedElsewhere otherwise).
func (s *Store) putFileAffiliate(ctx context.Context, a program.Affiliate, kind string, prev map[string]program.Affiliate) error {
	a.Origin, a.Made = program.OriginFile, program.OriginFile
	attrs, err := marshal(a)
	if err != nil {
		return err
	}
	attrs["entity"], attrs["pos"] = attrS(kind), attrN(a.Pos)
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: affiliateKey(a.Code).item(attrs),
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR attribute_not_exists(origin) OR origin = :file"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":file": attrS(program.OriginFile)}})
	if isConditionFailed(err) {
		return fmt.Errorf("load program: affiliate %q was changed on the dashboard during the load: load the file again: %w", a.Code, ErrAffiliateChanged)
	}
	if err != nil {
		return err
	}
	var before *program.Affiliate
	if b, ok := prev[a.Code]; ok {
		before = &b
	}
	return s.mark(ctx, a, before)
}

// fileCoupons makes a file affiliate's coupon markers what the file says:
// each put only if free or its own, those it gave up deleted.
func (s *Store) fileCoupons(ctx context.Context, a, prev program.Affiliate) error {
	has := map[string]bool{}
	for _, c := range a.Coupons {
		k := program.CouponKey(c)
		has[k] = true
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table),
			Item:                      couponKey(k).item(map[string]types.AttributeValue{"affiliate": attrS(a.Code), "code": attrS(c)}),
			ConditionExpression:       aws.String("attribute_not_exists(PK) OR affiliate = :a"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":a": attrS(a.Code)}})
		if isConditionFailed(err) {
			return fmt.Errorf("load program: %w", &CouponTaken{Code: c})
		}
		if err != nil {
			return err
		}
	}
	for _, c := range prev.Coupons {
		if k := program.CouponKey(c); !has[k] {
			_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.Table), Key: couponKey(k).av(),
				ConditionExpression:       aws.String("affiliate = :a"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":a": attrS(a.Code)}})
			if err != nil && !isConditionFailed(err) {
				return err
			}
		}
	}
	return nil
}

// programVersion is a digest of everything loaded, so any change is a new
// version.
func programVersion(p *program.Program) (string, error) {
	b, err := json.Marshal(struct {
		P  *program.Program
		E  []program.Event
		Pr []program.Product
		Pl []program.Plan
		A  []program.Affiliate
		O  []program.Owner
		L  []program.Link
		K  []string
	}{p, p.Events, p.Products, p.Plans, p.Affiliates, p.Owners, p.Links, keyHashes(p)})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8]), nil
}

func keyHashes(p *program.Program) []string {
	var hs []string
	for _, a := range p.Affiliates {
		if a.APIKey != "" {
			hs = append(hs, a.Code+"="+HashKey(a.APIKey))
		}
	}
	for _, o := range p.Owners {
		if o.APIKey != "" {
			hs = append(hs, o.Name+"="+HashKey(o.APIKey))
		}
	}
	return hs
}
