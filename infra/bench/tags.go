package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/handlers/public/clicks"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// Channel tags (SPEC section 13): what a month of link stats costs to read
// when an affiliate shares one link under 20 tags.
const benchTags = 20

func opTagStats(shards int, by string) string {
	q := ""
	if by != "" {
		q = "?by=" + by
	}
	return fmt.Sprintf("report link-stats%s, %d tags x 30 days x %d shard(s)", q, benchTags, shards)
}

func taggedClick(ctx context.Context, h *clicks.Handler, ua string) error {
	req := clickRequest(ua)
	req.RawQueryString += "&sub=podcast"
	resp, err := h.Long(ctx, req)
	if err == nil && resp.StatusCode != http.StatusFound {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return err
}

// tagCosts fills jane's November with tagged counters, as clicks, opt-ins
// and orders leave them (every counter set), and reads link stats over
// them: first one shard per tag and day (a tag with a click or two a day),
// then all 8 (a tag busy enough that its clicks landed on every shard).
func tagCosts(ctx context.Context, d *app.Deps, h apigw.Handler, measure func(string, func() error) error) error {
	for _, shards := range []int{1, store.StatShards} {
		if err := seedTags(ctx, d.Store, shards); err != nil {
			return err
		}
		for _, by := range []string{"", "sub"} {
			if err := measure(opTagStats(shards, by), func() error { return viewBy(ctx, h, "link-stats", by) }); err != nil {
				return err
			}
		}
	}
	return nil
}

func seedTags(ctx context.Context, st *store.Store, shards int) error {
	var b store.Batch
	for day := 1; day <= 30; day++ {
		date := fmt.Sprintf("2026-11-%02d", day)
		tags := store.TagHits{Affiliate: "jane", Date: date, Event: "summit-2026", Hits: map[string]int64{}}
		for tag := 0; tag < benchTags; tag++ {
			name := fmt.Sprintf("channel-%02d", tag)
			tags.Hits[name] = 123 * int64(shards)
			for shard := 0; shard < shards; shard++ {
				b.Counters = append(b.Counters, store.Counters{Affiliate: "jane", Date: date, Event: "summit-2026", Sub: name, Shard: shard,
					StatDelta: store.StatDelta{OptIns: 12, Orders: 3, RevenueCents: 29100}})
			}
		}
		b.Tags = append(b.Tags, tags)
		// The event's totals hold every tag's counts too (every click,
		// opt-in and order writes them).
		for shard := 0; shard < shards; shard++ {
			b.Counters = append(b.Counters, store.Counters{Affiliate: "jane", Date: date, Event: "summit-2026", Shard: shard,
				StatDelta: store.StatDelta{Hits: 123 * benchTags, OptIns: 12 * benchTags, Orders: 3 * benchTags, RevenueCents: 29100 * benchTags}})
		}
	}
	return st.Import(ctx, b)
}

// viewBy reads a report as JSON, as jane, with ?by=.
func viewBy(ctx context.Context, h apigw.Handler, name, by string) error {
	req := apigw.Request{Version: "2.0", RouteKey: "GET /reports/" + name, RawPath: "/reports/" + name,
		QueryStringParameters: map[string]string{"month": "2026-11"}, Headers: map[string]string{"accept": "application/json"}}
	if by != "" {
		req.QueryStringParameters["by"] = by
	}
	req.RequestContext.HTTP.Method = http.MethodGet
	req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		Lambda: map[string]any{"role": "affiliate", "subject": "jane", "auth": "ok"}}
	resp, err := h(ctx, req)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d: %s", resp.StatusCode, resp.Body)
	}
	return err
}
