package program_test

import (
	"strings"
	"testing"

	"github.com/tallyhq/tally/infra/demo"
	"github.com/tallyhq/tally/shared/domain/program"
)

func TestDemoProgramHasTheTools(t *testing.T) {
	p, err := program.Parse(demo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := p.Event("summit-2026")
	if len(ev.Resources) != 3 || ev.Resources[0].Subject != "{{event_name}} starts today" || len(ev.AllowedPaths) != 1 ||
		len(ev.URLSchedule) != 1 || ev.URLSchedule[0].From != "2026-12-15" {
		t.Fatalf("summit: %+v", ev)
	}
}

func TestURLOnFollowsTheSchedule(t *testing.T) {
	ev := program.Event{URL: "https://example.com/summit", URLSchedule: []program.Phase{
		{From: "2026-12-01", URL: "https://example.com/replays"}, {From: "2027-01-10", URL: "https://example.com/sale"}}}
	for date, want := range map[string]string{
		"2026-11-30": "https://example.com/summit", "2026-12-01": "https://example.com/replays",
		"2027-01-09": "https://example.com/replays", "2027-01-10": "https://example.com/sale", "2030-01-01": "https://example.com/sale",
	} {
		if got := ev.URLOn(date); got != want {
			t.Errorf("%s: %s, want %s", date, got, want)
		}
	}
}

func TestFillReplacesThePlaceholdersOnce(t *testing.T) {
	r := program.Resource{Title: "{{ name }}'s kit", Subject: "{{event_name}} starts", Body: "Join: {{short_link}} or {{link}}. {{name}}"}
	got := r.Fill(program.Fields{Link: "L", ShortLink: "S", Name: "Jane {{link}}", EventName: "Summit"})
	if got.Title != "Jane {{link}}'s kit" || got.Subject != "Summit starts" || got.Body != "Join: S or L. Jane {{link}}" {
		t.Errorf("%+v", got)
	}
	if r.Body != "Join: {{short_link}} or {{link}}. {{name}}" {
		t.Error("Fill changed the program's resource")
	}
}

func TestToolsAreValidated(t *testing.T) {
	base := string(demo.YAML)
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{"unknown placeholder, by path", "Save your seat here: {{short_link}}", "Save your seat here: {{shortlink}}",
			[]string{`events[0].resources[0].body: unknown placeholder "{{shortlink}}"`}},
		{"unclosed placeholder", `subject: "{{event_name}} starts today"`, `subject: "{{event_name starts today"`,
			[]string{`events[0].resources[0].subject: unclosed "{{event_name starts today"`}},
		{"placeholder in a title", "title: Launch day email", "title: Launch {{day}}",
			[]string{`events[0].resources[0].title: unknown placeholder "{{day}}"`}},
		{"unknown kind", "kind: post", "kind: tweet", []string{`events[0].resources[1].kind: must be email, post, image or text, got "tweet"`}},
		{"subject on a post", "kind: post\n", "kind: post\n        subject: hi\n", []string{`events[0].resources[1].subject: only an email has a subject`}},
		{"duplicate id", "id: instagram-post", "id: launch-email", []string{`events[0].resources[1].id: duplicate resource "launch-email"`}},
		{"image without url", "image_url: https://example.com/summit/banner.png", "", []string{`events[0].resources[2].image_url: is required for an image`}},
		{"bad image url", "image_url: https://example.com/summit/banner.png", "image_url: javascript:alert(1)", []string{`events[0].resources[2].image_url: must be an absolute http(s) URL`}},
		{"phase date", "from: 2026-12-15", "from: 15/12/2026", []string{`events[0].url_schedule[0].from: must be a date YYYY-MM-DD`}},
		{"phase url", "url: https://example.com/summit/replays", "url: /replays", []string{`events[0].url_schedule[0].url: must be an absolute http(s) URL`}},
		{"phases in order", "      - {from: 2026-12-15, url: https://example.com/summit/replays}\n",
			"      - {from: 2026-12-15, url: https://example.com/summit/replays}\n      - {from: 2026-12-01, url: https://example.com/x}\n",
			[]string{`events[0].url_schedule[1].from: must be after the phase before it (2026-12-15), got 2026-12-01`}},
		{"relative allowed path", "allowed_paths: [/summit/]", "allowed_paths: [summit/]", []string{`events[0].allowed_paths[0]: must start with /`}},
		{"allowed path with ..", "allowed_paths: [/summit/]", "allowed_paths: [/summit/../]", []string{`events[0].allowed_paths[0]: must not hold`}},
		{"allowed path with //", "allowed_paths: [/summit/]", "allowed_paths: [//evil.example/]", []string{`events[0].allowed_paths[0]: must not hold`}},
		{"unknown field", "allowed_paths: [/summit/]", "allowed_path: [/summit/]", []string{`events[0].allowed_path: unknown field`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("demo program has no %q", tt.old)
			}
			_, err := program.Parse([]byte(strings.Replace(base, tt.old, tt.new, 1)))
			inv, ok := err.(*program.Invalid)
			if !ok {
				t.Fatalf("accepted: %v", err)
			}
			for _, w := range tt.want {
				found := false
				for _, p := range inv.Problems {
					found = found || strings.HasPrefix(p, w)
				}
				if !found {
					t.Errorf("no problem %q in %q", w, inv.Problems)
				}
			}
		})
	}
}
