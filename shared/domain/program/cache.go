package program

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Source is where a Cache loads the program from (the table).
type Source interface {
	LoadProgram(ctx context.Context) (*Program, string, error)
	ProgramVersion(ctx context.Context) (string, error)
}

// ErrNotLoaded means no program has been loaded into the table yet.
var ErrNotLoaded = errors.New("no program is loaded")

// Cache keeps the program in memory for a warm function. After TTL it asks
// the table for the version only (one small read) and reloads when it
// changed, so a program change shows up within TTL and the hot paths
// (clicks) normally make no read at all.
type Cache struct {
	src Source
	ttl time.Duration
	now func() time.Time

	cur atomic.Pointer[cached]
	mu  sync.Mutex // one refresh at a time
}

type cached struct {
	p       *Program
	version string
	checked time.Time
}

// NewCache makes a cache that rechecks the version every ttl.
func NewCache(src Source, ttl time.Duration) *Cache {
	return &Cache{src: src, ttl: ttl, now: time.Now}
}

// Get returns the current program. A failed refresh keeps serving the
// program it has (a click must still redirect); it fails only when it has
// none.
func (c *Cache) Get(ctx context.Context) (*Program, error) {
	if cur := c.cur.Load(); cur != nil && c.now().Sub(cur.checked) < c.ttl {
		return cur.p, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.cur.Load()
	if cur != nil && c.now().Sub(cur.checked) < c.ttl {
		return cur.p, nil
	}
	if cur != nil {
		v, err := c.src.ProgramVersion(ctx)
		if err != nil {
			return cur.p, nil
		}
		if v == cur.version {
			c.cur.Store(&cached{p: cur.p, version: cur.version, checked: c.now()})
			return cur.p, nil
		}
	}
	p, v, err := c.src.LoadProgram(ctx)
	if err != nil {
		if cur != nil {
			return cur.p, nil
		}
		return nil, err
	}
	if p == nil {
		return nil, ErrNotLoaded
	}
	c.cur.Store(&cached{p: p, version: v, checked: c.now()})
	return p, nil
}

// Invalidate makes the next Get recheck the table (the dev server calls it
// after loading a program).
func (c *Cache) Invalidate() { c.cur.Store(nil) }
