package program

import "strings"

// Fields are what a resource's placeholders are filled in with, for one
// affiliate and event.
type Fields struct {
	Link, ShortLink, Name, EventName string
}

// placeholder names and the field each stands for.
var placeholders = map[string]func(Fields) string{
	"link":       func(f Fields) string { return f.Link },
	"short_link": func(f Fields) string { return f.ShortLink },
	"name":       func(f Fields) string { return f.Name },
	"event_name": func(f Fields) string { return f.EventName },
}

// Fill returns r with every placeholder of its texts replaced, in one pass:
// what a field brings in (a name with braces in it) is never read again.
func (r Resource) Fill(f Fields) Resource {
	r.Title, r.Subject, r.Body = fill(r.Title, f), fill(r.Subject, f), fill(r.Body, f)
	return r
}

func fill(s string, f Fields) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		if get, ok := placeholders[strings.TrimSpace(s[i+2:i+j])]; ok {
			b.WriteString(get(f))
		} else {
			b.WriteString(s[i : i+j+2]) // never reached for a validated program
		}
		s = s[i+j+2:]
	}
	b.WriteString(s)
	return b.String()
}

// badPlaceholders lists what in s looks like a placeholder but is not one
// of the four (a typo would otherwise reach every affiliate), and an
// unclosed "{{".
func badPlaceholders(s string) []string {
	var bad []string
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			return bad
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return append(bad, "unclosed "+quoteShort(s[i:]))
		}
		if _, ok := placeholders[strings.TrimSpace(s[i+2:i+j])]; !ok {
			bad = append(bad, "unknown placeholder "+quoteShort(s[i:i+j+2]))
		}
		s = s[i+j+2:]
	}
}

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return `"` + s + `"`
}
