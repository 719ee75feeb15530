package program

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// An import of at most SyncImportRows rows is written in its request; a
// larger one, up to MaxImportRows, by a background job (SPEC 15). The job's
// limit keeps the file within a request's body (Lambda takes 6 MB) and its
// gzipped parts within one transaction.
const (
	SyncImportRows = 1000
	MaxImportRows  = 50000
)

// ImportColumns are an import's columns: the first five required, in any
// order, named by the header row.
var ImportColumns = []string{"code", "name", "email", "plan", "events", "payout_email", "coupons"}

// LineProblem is one problem of an import, by its line in the file (the
// header row is line 1).
type LineProblem struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// ImportRow is an affiliate a row of an import makes or changes.
type ImportRow struct {
	Line      int
	Affiliate Affiliate
	Prev      *Affiliate // nil when the code is new
}

// Import is an import checked whole: each row's affiliate, told apart.
type Import struct {
	New, Updated []ImportRow
	Unchanged    int
	// Same are the unchanged rows' lines, so a job can tell which of its
	// rows a part of the file holds.
	Same []int
}

// Rows is how many rows the file has.
func (im Import) Rows() int { return len(im.New) + len(im.Updated) + im.Unchanged }

// ImportStep is one row of an import, in the file's order: a row to
// write (Row), an unchanged one (neither), or one that no longer fits the
// program (Problem).
type ImportStep struct {
	Line    int
	Row     *ImportRow
	Problem string
}

// Steps are an import's rows on line from and after, in the file's order,
// with the problems PlanImportRows found among them (a line's problems
// joined into one).
func (im Import) Steps(probs []LineProblem, from int) []ImportStep {
	var out []ImportStep
	for _, rows := range [][]ImportRow{im.New, im.Updated} {
		for i := range rows {
			if rows[i].Line >= from {
				out = append(out, ImportStep{Line: rows[i].Line, Row: &rows[i]})
			}
		}
	}
	for _, l := range im.Same {
		if l >= from {
			out = append(out, ImportStep{Line: l})
		}
	}
	bad := map[int]int{} // line -> index in out
	for _, p := range probs {
		if p.Line < from {
			continue
		}
		if i, ok := bad[p.Line]; ok {
			out[i].Problem += "; " + p.Message
			continue
		}
		bad[p.Line] = len(out)
		out = append(out, ImportStep{Line: p.Line, Problem: p.Message})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// InvalidImport is a refused import: every problem by line.
type InvalidImport struct{ Lines []LineProblem }

func (e *InvalidImport) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the file has %d %s, and nothing was written", len(e.Lines), plural(len(e.Lines), "problem", "problems"))
	for i, l := range e.Lines {
		if i == 20 {
			fmt.Fprintf(&b, "; and %d more", len(e.Lines)-i)
			break
		}
		fmt.Fprintf(&b, "; line %d: %s", l.Line, l.Message)
	}
	return b.String()
}

// PlanImport checks a CSV import whole against the program as it is in the
// table (its current and former affiliates): every problem by line, or
// what to write. A row naming an affiliate that exists with the same
// values is unchanged; with other values it is updated (its notify and
// active untouched: the file has no such columns). Rows naming affiliates
// of the program file, or removed ones, are refused: the file and the
// dashboard manage those.
func PlanImport(p *Program, data []byte) (Import, error) {
	out, probs := planImport(p, data)
	if len(probs) > 0 {
		return Import{}, &InvalidImport{Lines: probs}
	}
	return out, nil
}

// PlanImportRows is PlanImport for a file already checked whole, against
// the table as it is now: a row that no longer fits (a plan removed, a
// coupon taken since) is one of the problems, and the others are still
// planned. A background job writes those and reports the rest as failed.
func PlanImportRows(p *Program, data []byte) (Import, []LineProblem) {
	return planImport(p, data)
}

func planImport(p *Program, data []byte) (Import, []LineProblem) {
	var out Import
	var probs []LineProblem
	add := func(line int, format string, args ...any) {
		probs = append(probs, LineProblem{Line: line, Message: fmt.Sprintf(format, args...)})
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a spreadsheet's byte-order mark
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return out, []LineProblem{{1, "the file is empty: the first line names the columns (" + strings.Join(ImportColumns, ",") + ")"}}
	}
	if err != nil {
		return out, []LineProblem{{1, csvMessage(err)}}
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case !contains(ImportColumns, h):
			add(1, "unknown column %q (the columns are %s)", h, strings.Join(ImportColumns, ","))
		case col[h] != 0:
			add(1, "column %q appears twice", h)
		}
		col[h] = i + 1
	}
	for _, h := range ImportColumns[:5] {
		if col[h] == 0 {
			add(1, "column %q is missing", h)
		}
	}
	if len(probs) > 0 {
		return out, probs
	}
	codes := map[string]int{}
	coupons := map[string]string{} // coupon key -> code of the row holding it
	rows := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				add(0, "%s", csvMessage(err))
				break
			}
			add(pe.StartLine, "%s", csvMessage(err))
			continue
		}
		line, _ := r.FieldPos(0)
		before := len(probs)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		rows++
		if rows > MaxImportRows {
			add(line, "more than %d rows: split the file", MaxImportRows)
			break
		}
		if len(rec) != len(header) {
			add(line, "%d fields, but the header has %d", len(rec), len(header))
			continue
		}
		cell := func(name string) string {
			if i := col[name]; i > 0 {
				return strings.TrimSpace(rec[i-1])
			}
			return ""
		}
		code := cell("code")
		if first, dup := codes[code]; dup && code != "" {
			add(line, "code %q is also on line %d", code, first)
			continue
		}
		codes[code] = line
		// The optional columns change only when the file has them.
		c := Changes{Name: ptr(cell("name")), Email: ptr(cell("email")), Plan: ptr(cell("plan")),
			Events: ptr(splitList(cell("events"), ";"))}
		if col["payout_email"] > 0 {
			c.PayoutEmail = ptr(cell("payout_email"))
		}
		if col["coupons"] > 0 {
			c.Coupons = ptr(splitList(cell("coupons"), ";"))
		}
		prev, former, found := p.Payee(code)
		var a Affiliate
		var ps Problems
		switch {
		case found && former:
			add(line, "%q was removed from the program, and a code is never used again", code)
			continue
		case found && prev.ManagedBy() == OriginFile:
			add(line, "%q is in the program file: change it there", code)
			continue
		case found:
			a, ps = p.ApplyChanges(*prev, c)
		default:
			a, ps = p.NewAffiliate(code, OriginImport, c)
		}
		for _, f := range sortedFields(ps) {
			add(line, "%s: %s", f, ps[f])
		}
		for _, k := range a.Coupons {
			if other, ok := coupons[CouponKey(k)]; ok && other != code {
				add(line, "coupons: %q is also %q's, on line %d", k, other, codes[other])
			}
			coupons[CouponKey(k)] = code
		}
		if len(probs) > before {
			continue
		}
		switch {
		case !found:
			out.New = append(out.New, ImportRow{Line: line, Affiliate: a})
		case SameRecord(a, *prev):
			out.Unchanged++
			out.Same = append(out.Same, line)
		default:
			out.Updated = append(out.Updated, ImportRow{Line: line, Affiliate: a, Prev: prev})
		}
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
	return out, probs
}

func csvMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return "not valid CSV: " + pe.Err.Error()
	}
	return "not valid CSV: " + err.Error()
}

func splitList(s, sep string) []string {
	var out []string
	for _, x := range strings.Split(s, sep) {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func sortedFields(ps Problems) []string {
	ks := make([]string, 0, len(ps))
	for k := range ps {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }

// ImportNames are the affiliate codes and the coupon codes a CSV import
// names, each once (a file PlanImport would refuse names what it can; the
// plan finds its problems). What the plan reads of the table is the rules
// and these, by key, never every affiliate (SPEC 15).
func ImportNames(data []byte) (codes, coupons []string) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, nil
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i + 1
	}
	seen := map[string]bool{}
	cell := func(rec []string, name string) string {
		if i := col[name]; i > 0 && i <= len(rec) {
			return strings.TrimSpace(rec[i-1])
		}
		return ""
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				continue
			}
			break
		}
		if code := cell(rec, "code"); code != "" && !seen["a:"+code] {
			seen["a:"+code] = true
			codes = append(codes, code)
		}
		for _, k := range splitList(cell(rec, "coupons"), ";") {
			if ValidCoupon(k) && !seen["c:"+CouponKey(k)] {
				seen["c:"+CouponKey(k)] = true
				coupons = append(coupons, k)
			}
		}
	}
	return codes, coupons
}
