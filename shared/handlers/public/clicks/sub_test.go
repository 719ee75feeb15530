package clicks_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/adapters/store"
)

// 200 concurrent clicks spread over four tags (and none): every one is
// counted, under its own tag; an untagged click is one UpdateItem, a tagged
// one two (its event's total, and its tag beside it), at most one write
// unit each.
func TestConcurrentTaggedClicksCountExactly(t *testing.T) {
	e := newEnv(t, demo.YAML)
	e.h.WithCountTimeout(time.Minute)
	tags := []string{"podcast", "Instagram", "list", "ig_story-2", ""}
	before := e.meter.Snapshot()
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req := longReq(t, "summit-2026", "jane", "GET", iPhone)
			req.RawQueryString = "utm_source=x"
			if tag := tags[i%len(tags)]; tag != "" {
				req.RawQueryString += "&sub=" + url.QueryEscape(tag)
			}
			resp, err := e.h.Long(context.Background(), req)
			if err != nil || resp.StatusCode != 302 {
				t.Errorf("%v %d", err, resp.StatusCode)
				return
			}
			if u, _ := url.Parse(resp.Headers["Location"]); u.Query().Has("sub") {
				t.Errorf("sub passed on: %s", u)
			}
		}(i)
	}
	wg.Wait()
	spent := e.meter.Since(before)
	if spent.Total() != 360 || spent.Requests["UpdateItem"] != 360 || spent.AWSWriteUnits() != 360 {
		t.Errorf("200 tagged clicks made %v", spent.Requests)
	}
	stats, err := e.st.StatsBySub(context.Background(), "jane", "2026-11-01", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, s := range stats {
		got[s.Sub] += s.Hits
	}
	want := map[string]int64{"podcast": 40, "instagram": 40, "list": 40, "ig_story-2": 40, "": 40}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("hits by tag %v, want %v", got, want)
	}
	if n := e.hits(t, "jane", "summit-2026"); n != 200 {
		t.Errorf("%d hits in all, want 200", n)
	}
}

// SPEC 14: at most max_tags_per_day distinct tags are counted per
// affiliate, event and day; the 51st new tag of a day counts as "other",
// and so does its token (its opt-ins and orders); a tag already counted
// that day still counts as itself. Each costs what docs/clicks.md says.
func TestTheFiftyFirstTagOfADayCountsAsOther(t *testing.T) {
	e := newEnv(t, demo.YAML)
	e.h.WithCountTimeout(time.Minute)
	ctx := context.Background()
	click := func(tag string) (sub string, requests int) {
		t.Helper()
		req := longReq(t, "summit-2026", "jane", "GET", iPhone)
		req.RawQueryString = "sub=" + tag
		before := e.meter.Snapshot()
		resp, err := e.h.Long(ctx, req)
		if err != nil || resp.StatusCode != 302 {
			t.Fatalf("%v %d", err, resp.StatusCode)
		}
		u, _ := url.Parse(resp.Headers["Location"])
		claims, err := e.keys.Verify(u.Query().Get("tally_click"))
		if err != nil {
			t.Fatal(err)
		}
		return claims.Sub, e.meter.Since(before).Total()
	}
	for i := range 50 {
		sub, n := click(fmt.Sprintf("tag-%02d", i))
		if sub != fmt.Sprintf("tag-%02d", i) || n != 2 {
			t.Fatalf("tag %d: counted as %q with %d requests", i, sub, n)
		}
	}
	if sub, n := click("tag-50"); sub != store.TagOther || n != 3 {
		t.Errorf("51st tag: counted as %q with %d requests, want other with 3 (total, refused tag, other)", sub, n)
	}
	if sub, n := click("tag-51"); sub != store.TagOther || n != 2 {
		t.Errorf("52nd tag: counted as %q with %d requests, want other with 2 (the full day is remembered)", sub, n)
	}
	if sub, n := click("tag-07"); sub != "tag-07" || n != 2 {
		t.Errorf("a tag of the day's 50: counted as %q with %d requests", sub, n)
	}
	if sub, _ := click("other"); sub != store.TagOther {
		t.Errorf("a link tagged other: %q", sub)
	}
	stats, err := e.st.StatsBySub(ctx, "jane", "2026-11-01", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, s := range stats {
		got[s.Sub] += s.Hits
	}
	if len(got) != 52 || got[store.TagOther] != 3 || got["tag-07"] != 2 || got["tag-49"] != 1 || got["tag-50"] != 0 || got[""] != 0 {
		t.Errorf("%d rows: other %d, tag-07 %d, tag-49 %d, tag-50 %d, untagged %d", len(got), got[store.TagOther], got["tag-07"], got["tag-49"], got["tag-50"], got[""])
	}
	if n := e.hits(t, "jane", "summit-2026"); n != 54 {
		t.Errorf("total %d hits, want 54", n)
	}
}

// max_tags_per_day is the program's: with 2, the third tag is other.
func TestMaxTagsPerDayIsTheProgramsSetting(t *testing.T) {
	e := newEnv(t, []byte(strings.Replace(string(demo.YAML), "currency:", "max_tags_per_day: 2\ncurrency:", 1)))
	e.h.WithCountTimeout(time.Minute)
	for _, tag := range []string{"a", "b", "c"} {
		req := longReq(t, "summit-2026", "jane", "GET", iPhone)
		req.RawQueryString = "sub=" + tag
		if _, err := e.h.Long(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	stats, _ := e.st.StatsBySub(context.Background(), "jane", "2026-11-01", "2026-11-30")
	var subs []string
	for _, s := range stats {
		subs = append(subs, s.Sub)
	}
	if fmt.Sprint(subs) != "[ a b other]" {
		t.Errorf("rows %q", subs)
	}
}
