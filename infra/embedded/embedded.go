// Package embedded serves an in-process DynamoDB-compatible store (minidyn)
// on a loopback port: the dev server's default store, and the second store
// every store-level integration test runs against (infra/dynamotest), so the
// two can never disagree unnoticed.
//
// Known difference, avoided rather than relied on: minidyn v0.8.2 accepts
// `REMOVE attr` on a top-level attribute and leaves the attribute in place,
// so the table's code never removes an attribute (docs/decisions.md). Its
// secondary indexes lose order and items (indexquery.go answers the Queries
// that need them).
package embedded

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/truora/minidyn/server"
)

// Start serves a new, empty embedded store on a free loopback port and
// returns its endpoint and how to stop it.
func Start() (endpoint string, stop func() error, err error) { return StartWrapped(nil) }

// StartWrapped is Start with the store's handler wrapped (nil: not), for
// the dev server's record of writes, which stands in for a stream.
func StartWrapped(wrap func(http.Handler) http.Handler) (endpoint string, stop func() error, err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	var h http.Handler = &indexQueries{inner: server.NewServer()}
	if wrap != nil {
		h = wrap(h)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	endpoint = "http://" + l.Addr().String()
	started.Store(endpoint, true)
	return endpoint, srv.Close, nil
}

var started sync.Map

// Is says whether endpoint is an embedded store this process started. It
// has no TTL, so callers skip enabling it there.
func Is(endpoint string) bool { _, ok := started.Load(endpoint); return ok }
