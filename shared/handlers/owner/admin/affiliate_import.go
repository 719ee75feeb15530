package admin

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/domain/fault"
	"github.com/tallyhq/tally/shared/domain/program"
	"github.com/tallyhq/tally/shared/web"
	"github.com/tallyhq/tally/shared/web/apigw"
)

// ImportAnswer is what an import did.
type ImportAnswer struct {
	Imported  int `json:"imported"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// ImportAffiliates serves POST /admin/affiliates/import: the CSV as the body
// (Content-Type: text/csv) with an owner key, or the affiliates page's
// upload form. The file is checked whole against the program as the table
// holds it now (SPEC 15): any problem is 422 invalid_csv with every
// problem by line, and nothing is written; else 200 with what it did.
func ImportAffiliates(d *app.Deps) apigw.Handler {
	return serveUploads(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		data := r.Upload
		if r.Form == nil {
			if mt, _, _ := mime.ParseMediaType(r.Header("Content-Type")); mt != "text/csv" {
				return apigw.Response{}, fault.New(fault.Invalid, "unsupported_media_type", "send the file as the body, with Content-Type: text/csv")
			}
			body, err := apigw.Body(r.HTTP())
			if err != nil {
				return apigw.Response{}, err
			}
			data = body
		} else if len(data) == 0 {
			return apigw.Response{}, fault.Fields(map[string]string{"file": "choose a CSV file to import"})
		}
		res, err := Import(ctx, r.st, data, r.now)
		if err != nil {
			return apigw.Response{}, err
		}
		r.Log.Info("affiliates imported", "imported", res.Imported, "updated", res.Updated, "unchanged", res.Unchanged)
		d.ProgramChanged()
		if r.Form != nil {
			return web.Redirect(fmt.Sprintf("/admin/affiliates?done=imported&imported=%d&updated=%d&unchanged=%d", res.Imported, res.Updated, res.Unchanged)), nil
		}
		return apigw.JSON(http.StatusOK, res), nil
	})
}

// Import is store.ImportCSV with its refusals as the owner is told them:
// 422 invalid_csv with every problem by line, or the row a write refused.
func Import(ctx context.Context, st *store.Store, data []byte, now time.Time) (ImportAnswer, error) {
	res, err := st.ImportCSV(ctx, data, now)
	var inv *program.InvalidImport
	var row *store.RowError
	switch {
	case errors.As(err, &inv):
		e := fault.New(fault.Unprocessable, "invalid_csv", "%s", inv.Error())
		for _, l := range inv.Lines {
			e.Lines = append(e.Lines, fault.Line{Line: l.Line, Message: l.Message})
		}
		return ImportAnswer{}, e
	case errors.As(err, &row):
		e := writeErr(row.Err, row.Code)
		if fe := fault.As(e); fe != nil {
			e = fault.New(fe.Kind, fe.Code, "line %d: %s; the rows before it are written: import the file again to complete it", row.Line, fe.Message)
		}
		return ImportAnswer(res), e
	case err != nil:
		return ImportAnswer(res), writeErr(err, "")
	}
	return ImportAnswer(res), nil
}
