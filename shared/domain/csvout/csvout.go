// Package csvout writes the CSV files Tally serves: a header, then rows
// whose text cells are escaped so a spreadsheet never runs them as formulas,
// while numbers stay plain numbers.
package csvout

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"unicode"
)

// Text marks a cell as text (names, ids, emails, references).
type Text string

// Decimal is a number already written out ("69.91"): it is not escaped.
type Decimal string

// Write renders a header (none when nil) and rows. A cell is Text (or
// string), an int64 or int (written as a plain number), a Decimal, or nil
// (empty).
func Write(header []string, rows [][]any) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if header != nil {
		_ = w.Write(header)
	}
	rec := make([]string, 0, len(header))
	for _, r := range rows {
		rec = rec[:0]
		for _, c := range r {
			rec = append(rec, cell(c))
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

func cell(c any) string {
	switch v := c.(type) {
	case nil:
		return ""
	case Text:
		return Escape(string(v))
	case string:
		return Escape(v)
	case Decimal:
		return string(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	default:
		return Escape(fmt.Sprint(v))
	}
}

// Escape neutralizes a text cell that a spreadsheet would read as a
// formula: one whose first character after any leading spaces, control or
// invisible format characters is =, +, -, @, a tab or a carriage return
// gets a leading apostrophe (the OWASP advice; spreadsheets show it as
// text). Spreadsheets skip such leading characters, so checking only the
// first byte lets " =1+1" or "\n=1+1" through.
func Escape(s string) string {
	for _, r := range s {
		switch {
		case r == '=' || r == '+' || r == '-' || r == '@' || r == '\t' || r == '\r':
			return "'" + s
		case unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		}
		return s
	}
	return s
}
