package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/domain/program"
)

// importPart is how many rows are written between progress lines.
const importPart = 500

// writeImport writes a checked import from this machine, where no Lambda
// deadline applies: the rows in file order, several at a time
// (store.WriteImportRows, as the background job writes them), progress
// printed after each part, and the program's version bumped once at the
// end. Rows refused while writing are returned by line; an error (the
// table unreachable) stops it, and importing the file again completes it.
func writeImport(ctx context.Context, st *store.Store, im program.Import, out io.Writer, now time.Time) (store.Imported, []string, error) {
	res := store.Imported{Unchanged: im.Unchanged}
	rows := append(append([]program.ImportRow{}, im.New...), im.Updated...)
	sort.Slice(rows, func(i, j int) bool { return rows[i].Line < rows[j].Line })
	var failed []string
	var err error
	for start := 0; start < len(rows) && err == nil; start += importPart {
		part := rows[start:min(len(rows), start+importPart)]
		for _, r := range st.WriteImportRows(ctx, part, 8, now) {
			switch {
			case r.Err != nil && refused(r.Err):
				failed = append(failed, fmt.Sprintf("  line %d: %v", r.Line, r.Err))
			case r.Err != nil:
				err = fmt.Errorf("line %d: %w", r.Line, r.Err)
			case r.New:
				res.Imported++
			case r.Updated:
				res.Updated++
			default:
				res.Unchanged++
			}
		}
		if len(rows) > importPart {
			fmt.Fprintf(out, "  %d of %d rows to write done\n", min(len(rows), start+importPart), len(rows))
		}
	}
	if res.Imported+res.Updated > 0 {
		if berr := st.BumpProgramVersion(ctx); err == nil {
			err = berr
		}
	}
	return res, failed, err
}

func refused(err error) bool {
	var ct *store.CouponTaken
	return errors.Is(err, store.ErrCodeTaken) || errors.Is(err, store.ErrAffiliateChanged) || errors.As(err, &ct)
}
