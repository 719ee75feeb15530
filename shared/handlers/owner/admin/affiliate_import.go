package admin

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"time"

	"github.com/tallyhq/tally/shared/adapters/store"
	"github.com/tallyhq/tally/shared/app"
	"github.com/tallyhq/tally/shared/app/importing"
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
// problem by line, and nothing is written. Up to program.SyncImportRows
// rows are written here (200, what it did); a larger file by a background
// job (202 {"import_id"}; the form goes to the job's page).
func ImportAffiliates(d *app.Deps) apigw.Handler {
	sqs, queueURL := d.AWSSQS(), d.ImportQueueURL()
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
		im, err := r.st.PlanCSV(ctx, data)
		if err != nil {
			return apigw.Response{}, importErr(err)
		}
		if im.Rows() > program.SyncImportRows {
			job, err := importing.Start(ctx, r.st, sqs, queueURL, data, im.Rows(), r.now)
			if errors.Is(err, store.ErrImportTooLarge) {
				return apigw.Response{}, fault.New(fault.TooLarge, "file_too_large", "%s", err.Error())
			}
			if err != nil {
				return apigw.Response{}, err
			}
			r.Log.Info("affiliate import started", "import_id", job.ID, "run", job.Run, "rows", job.Rows, "done_rows", job.DoneRows)
			if r.Form != nil {
				return web.Redirect("/admin/affiliates/import/" + job.ID), nil
			}
			return apigw.JSON(http.StatusAccepted, map[string]string{"import_id": job.ID}), nil
		}
		res, err := r.st.WriteImport(ctx, im, r.now)
		if err != nil {
			return apigw.Response{}, importErr(err)
		}
		r.Log.Info("affiliates imported", "imported", res.Imported, "updated", res.Updated, "unchanged", res.Unchanged)
		d.ProgramChanged()
		if r.Form != nil {
			return web.Redirect(fmt.Sprintf("/admin/affiliates?done=imported&imported=%d&updated=%d&unchanged=%d", res.Imported, res.Updated, res.Unchanged)), nil
		}
		return apigw.JSON(http.StatusOK, ImportAnswer(res)), nil
	})
}

// Import is store.ImportCSV with its refusals as the owner is told them:
// 422 invalid_csv with every problem by line, or the row a write refused.
func Import(ctx context.Context, st *store.Store, data []byte, now time.Time) (ImportAnswer, error) {
	res, err := st.ImportCSV(ctx, data, now)
	return ImportAnswer(res), importErr(err)
}

func importErr(err error) error {
	var inv *program.InvalidImport
	var row *store.RowError
	switch {
	case errors.As(err, &inv):
		e := fault.New(fault.Unprocessable, "invalid_csv", "%s", inv.Error())
		for _, l := range inv.Lines {
			e.Lines = append(e.Lines, fault.Line{Line: l.Line, Message: l.Message})
		}
		return e
	case errors.As(err, &row):
		e := writeErr(row.Err, row.Code)
		if fe := fault.As(e); fe != nil {
			e = fault.New(fe.Kind, fe.Code, "line %d: %s; the rows before it are written: import the file again to complete it", row.Line, fe.Message)
		}
		return e
	case err != nil:
		return writeErr(err, "")
	}
	return nil
}

// ImportStatusAnswer is a background import's progress (SPEC 15); the
// counts and failures once it is done.
type ImportStatusAnswer struct {
	ImportID  string                 `json:"import_id"`
	Status    string                 `json:"status"`
	Rows      int                    `json:"rows"`
	DoneRows  int                    `json:"done_rows"`
	Imported  *int                   `json:"imported,omitempty"`
	Updated   *int                   `json:"updated,omitempty"`
	Unchanged *int                   `json:"unchanged,omitempty"`
	Failed    *[]program.LineProblem `json:"failed,omitempty"` // [] once done
	// FailedRows counts every failed row (failed names the first 100).
	FailedRows *int `json:"failed_rows,omitempty"`
	// Error is why the job stopped; sending the file again continues it.
	Error string `json:"error,omitempty"`
}

// ImportPage is the job's page: progress while it runs, what it did once
// done.
type ImportPage struct {
	ImportStatusAnswer
	Running   bool
	Percent   int
	Started   string
	UpdatedAt string
	Failures  []program.LineProblem
	More      int // failed rows not listed
}

var importID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ImportStatus serves GET /admin/affiliates/import/{id}: a background
// import's progress as JSON, or a page that refreshes itself while the job
// runs.
func ImportStatus(d *app.Deps) apigw.Handler {
	return serveRules(d, func(ctx context.Context, r *request) (apigw.Response, error) {
		id := r.PathParameters["id"]
		var job *store.ImportJob
		if importID.MatchString(id) {
			var err error
			if job, err = r.st.GetImport(ctx, id, r.now); err != nil {
				return apigw.Response{}, err
			}
		}
		if job == nil {
			return apigw.Response{}, fault.New(fault.NotFound, "import_not_found", "no import %q: imports are kept %d days", id, store.ImportJobDays)
		}
		a := ImportStatusAnswer{ImportID: job.ID, Status: job.Status, Rows: job.Rows, DoneRows: job.DoneRows, Error: job.Error}
		if job.Status == store.ImportDone {
			a.Imported, a.Updated, a.Unchanged, a.FailedRows = &job.Imported, &job.Updated, &job.Unchanged, &job.FailedRows
			failed := append([]program.LineProblem{}, job.Failed...)
			a.Failed = &failed
		}
		if r.Format == web.JSON {
			return r.json(a), nil
		}
		pg := ImportPage{ImportStatusAnswer: a, Running: job.Status == store.ImportRunning, Started: r.when(job.Started), UpdatedAt: r.when(job.UpdatedAt)}
		if job.Rows > 0 {
			pg.Percent = job.DoneRows * 100 / job.Rows
		}
		pg.Failures, pg.More = job.Failed, job.FailedRows-len(job.Failed)
		return r.page("admin-import", "Importing affiliates", "affiliates", pg)
	})
}
