package attribution

import (
	"testing"
	"time"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/domain/clicktoken"
	"github.com/tallyhq/tally/shared/domain/program"
)

var t0 = time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)

func TestApply(t *testing.T) {
	first := demo.Program()
	last := demo.Program()
	last.Attribution = program.LastTouch
	jane := Touch{Affiliate: "jane", Event: "summit-2026", At: t0, Via: ViaClick}
	bobLater := Touch{Affiliate: "bob", Event: "summit-2026", At: t0.Add(24 * time.Hour), Via: ViaOptIn}
	bobAfterWindow := Touch{Affiliate: "bob", Event: "summit-2026", At: t0.Add(31 * 24 * time.Hour), Via: ViaClick}
	bobEarlier := Touch{Affiliate: "bob", Event: "summit-2026", At: t0.Add(-time.Hour), Via: ViaClick}
	for _, c := range []struct {
		name    string
		p       *program.Program
		current *Touch
		touch   Touch
		want    string
	}{
		{"a first touch attributes a new contact", first, nil, jane, "jane"},
		{"first touch keeps the first affiliate inside the window", first, &jane, bobLater, "jane"},
		{"first touch lets a new touch claim the contact once the window lapsed", first, &jane, bobAfterWindow, "bob"},
		{"last touch takes the newer touch", last, &jane, bobLater, "bob"},
		{"last touch ignores a late webhook about an older click", last, &jane, bobEarlier, "jane"},
	} {
		got, _ := Apply(c.p, c.current, c.touch)
		if got.Affiliate != c.want {
			t.Errorf("%s: %s, want %s", c.name, got.Affiliate, c.want)
		}
	}
}

func TestValidClick(t *testing.T) {
	p := demo.Program()
	keys, _ := clicktoken.NewKeys([]byte("k0123456789abcdef0123456789abcdef"))
	other, _ := clicktoken.NewKeys([]byte("x0123456789abcdef0123456789abcdef"))
	sign := func(k *clicktoken.Keys, aff, ev string, at time.Time) string {
		return k.Sign(clicktoken.Claims{Affiliate: aff, Event: ev, At: at})
	}
	for _, c := range []struct {
		name  string
		token string
		at    time.Time
		ok    bool
	}{
		{"a fresh click is valid", sign(keys, "jane", "summit-2026", t0), t0.Add(time.Hour), true},
		{"exactly cookie_days old is valid", sign(keys, "jane", "summit-2026", t0), t0.Add(30 * 24 * time.Hour), true},
		{"a second over cookie_days is not", sign(keys, "jane", "summit-2026", t0), t0.Add(30*24*time.Hour + time.Second), false},
		{"forged with another key is not", sign(other, "jane", "summit-2026", t0), t0, false},
		{"an affiliate no longer enrolled is not", sign(keys, "bob", "retreat-2026", t0), t0, false},
		{"garbage is not", "nonsense", t0, false},
		{"a click from the future is not", sign(keys, "jane", "summit-2026", t0.Add(time.Hour)), t0, false},
	} {
		_, reason := ValidClick(p, keys, c.token, c.at)
		if (reason == "") != c.ok {
			t.Errorf("%s: reason %q", c.name, reason)
		}
	}
}
