package clicks_test

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
)

// 200 concurrent clicks spread over four tags (and none): every one is
// counted, under its own tag, and each cost one UpdateItem of one item.
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
	if spent.Total() != 200 || spent.Requests["UpdateItem"] != 200 || spent.AWSWriteUnits() != 200 {
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
