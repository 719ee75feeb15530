package browsertest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestBrowserRendersALocalPageAndAxeRuns(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1 id="h">Hello</h1><img src="x.png"></main></body></html>`))
	}))
	defer ts.Close()
	ctx := Browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL)); err != nil {
		t.Fatal(err)
	}
	h, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("h")))
	if err != nil || h != "Hello" {
		t.Fatalf("text %q %v", h, err)
	}
	// An image without alt text is a violation axe-core reports: the check
	// can fail.
	found := false
	for _, v := range Axe(t, ctx) {
		if v.ID == "image-alt" {
			found = true
		}
	}
	if !found {
		t.Error("axe-core did not report the missing alt text")
	}
}
