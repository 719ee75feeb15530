package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tallyhq/tally/shared/domain/program"
)

// An import's job states (SPEC 15).
const (
	ImportRunning = "running"
	ImportDone    = "done"
)

// How long a job and its file are kept after its latest start, how many of
// its failed rows it names, and how its file is kept: gzipped in parts of
// an item's size, all in the transaction that starts it (100 items, 4 MB).
const (
	ImportJobDays    = 30
	MaxImportFailed  = 100
	importPartSize   = 350 << 10
	importMaxParts   = 9
	importIDHexChars = 32
)

// ErrImportTooLarge is a file whose gzipped parts would not fit in one
// transaction.
var ErrImportTooLarge = errors.New("the file is too large to keep, even compressed (3 MB): split it")

// ImportJob is a large import written in the background: the file's
// progress, what its rows did, and which run of it is the current one.
type ImportJob struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Rows     int    `json:"rows"`
	DoneRows int    `json:"done_rows"`
	// NextLine is the first line of the file not yet written (the header
	// is line 1): a run resumes there.
	NextLine  int `json:"next_line"`
	Imported  int `json:"imported"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Failed names the first MaxImportFailed rows refused while writing;
	// FailedRows counts them all.
	Failed     []program.LineProblem `json:"failed,omitempty"` // absent when empty: the embedded store misreads an empty list
	FailedRows int                   `json:"failed_rows"`
	// Run counts the starts of the file: each sending of it starts a new
	// run, and a worker of an older one stops at its next progress write.
	Run       int64     `json:"run"`
	Parts     int       `json:"parts"`
	Started   time.Time `json:"started"`
	UpdatedAt time.Time `json:"updated_at"`
	// Error is why the worker gave up on the current run (sending the file
	// again starts a new one).
	Error string `json:"error,omitempty"`
	TTL   int64  `json:"ttl"`
}

// ImportID names an import by its file's content: the same file is the
// same job, so sending it again resumes it.
func ImportID(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:importIDHexChars]
}

// StartImport keeps a file for its background job and starts a run of it:
// a job still running (interrupted, or slow) continues from its progress
// under a new run; a finished or new one starts from the file's first row.
// One transaction writes the job and the file's parts, on condition that no
// other start came in between.
func (s *Store) StartImport(ctx context.Context, data []byte, rows int, now time.Time) (ImportJob, error) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	_, _ = w.Write(data)
	if err := w.Close(); err != nil {
		return ImportJob{}, err
	}
	parts := (gz.Len() + importPartSize - 1) / importPartSize
	if parts > importMaxParts {
		return ImportJob{}, ErrImportTooLarge
	}
	id := ImportID(data)
	var prev ImportJob
	found, err := s.getAs(ctx, importJobKey(id), &prev) // expired or not: its run decides the condition
	if err != nil {
		return ImportJob{}, err
	}
	job := ImportJob{ID: id, Status: ImportRunning, Rows: rows, NextLine: 2, Started: now.UTC()}
	if found && prev.Status == ImportRunning && prev.TTL > now.Unix() {
		job = prev
		job.Error = ""
	}
	prevRun := prev.Run
	job.Run, job.Parts, job.UpdatedAt = prevRun+1, parts, now.UTC()
	job.TTL = now.Add(ImportJobDays * 24 * time.Hour).Unix()
	item, err := marshal(job)
	if err != nil {
		return ImportJob{}, err
	}
	table := aws.String(s.Table)
	acts := []types.TransactWriteItem{{Put: &types.Put{TableName: table, Item: importJobKey(id).item(item),
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR #run = :run"),
		ExpressionAttributeNames:  map[string]string{"#run": "run"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":run": attrN(prevRun)}}}}
	b := gz.Bytes()
	for i := 0; i < parts; i++ {
		part := b[i*importPartSize : min(len(b), (i+1)*importPartSize)]
		acts = append(acts, types.TransactWriteItem{Put: &types.Put{TableName: table, Item: importPartKey(id, i).item(
			map[string]types.AttributeValue{"gz": &types.AttributeValueMemberB{Value: part}, attrTTL: attrN(job.TTL)})}})
	}
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: acts}); err != nil {
		return ImportJob{}, fmt.Errorf("start import %s: %w", id, txnErr(err))
	}
	return job, nil
}

// GetImport reads a job (consistently); nil when there is none or it has
// expired.
func (s *Store) GetImport(ctx context.Context, id string, now time.Time) (*ImportJob, error) {
	var j ImportJob
	ok, err := s.getAs(ctx, importJobKey(id), &j)
	if err != nil || !ok || j.TTL <= now.Unix() {
		return nil, err
	}
	return &j, nil
}

// ImportFile reads a job's file back from its parts.
func (s *Store) ImportFile(ctx context.Context, j ImportJob) ([]byte, error) {
	keys := make([]Key, j.Parts)
	for i := range keys {
		keys[i] = importPartKey(j.ID, i)
	}
	got, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	var gz []byte
	for _, k := range keys {
		b, ok := got[k]["gz"].(*types.AttributeValueMemberB)
		if !ok {
			return nil, fmt.Errorf("import %s: %s is missing", j.ID, k.SK)
		}
		gz = append(gz, b.Value...)
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", j.ID, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", j.ID, err)
	}
	if ImportID(data) != j.ID {
		return nil, fmt.Errorf("import %s: the kept file is not the one sent", j.ID)
	}
	return data, nil
}

// ErrImportMoved is a progress write refused because another run of the
// job (the file sent again) took over: the worker that got it stops.
var ErrImportMoved = errors.New("the import was started again: another run continues it")

// SaveImportProgress records a job's progress, on condition that it is
// still the run that read it at done_rows prev: two runs never both count a
// part of the file.
func (s *Store) SaveImportProgress(ctx context.Context, j ImportJob, prev int) error {
	item, err := marshal(j)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: importJobKey(j.ID).item(item),
		ConditionExpression:       aws.String("#run = :run AND done_rows = :prev"),
		ExpressionAttributeNames:  map[string]string{"#run": "run"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":run": attrN(j.Run), ":prev": attrN(int64(prev))}})
	if isConditionFailed(err) {
		return ErrImportMoved
	}
	return err
}

// RowResult is what writing one row of an import did: new, updated,
// unchanged (written meanwhile by another run, with the same values), or
// refused (Err).
type RowResult struct {
	Line                    int
	New, Updated, Unchanged bool
	Err                     error
}

// WriteImportRows writes rows of a checked import, each in its own
// transaction (SaveAffiliate without the version), several at a time: rows
// are independent, and their conditions keep codes and coupon codes unique
// whatever the order. A row refused because its code or record changed
// meanwhile is read again: if it now holds what the row says (another run
// of the same file wrote it), it is unchanged. The program's version is the
// caller's to bump.
func (s *Store) WriteImportRows(ctx context.Context, rows []program.ImportRow, parallel int, now time.Time) []RowResult {
	out := make([]RowResult, len(rows))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(parallel, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = s.writeImportRow(ctx, rows[i], now)
			}
		}()
	}
	for i := range rows {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

func (s *Store) writeImportRow(ctx context.Context, row program.ImportRow, now time.Time) RowResult {
	res := RowResult{Line: row.Line}
	err := s.SaveAffiliate(ctx, AffiliateWrite{Affiliate: row.Affiliate, Prev: row.Prev, Quiet: true}, now)
	if errors.Is(err, ErrCodeTaken) || errors.Is(err, ErrAffiliateChanged) {
		got, former, gerr := s.GetAffiliate(ctx, row.Affiliate.Code)
		if gerr == nil && got != nil && !former && program.SameRecord(*got, row.Affiliate) {
			res.Unchanged = true
			return res
		}
	}
	switch {
	case err != nil:
		res.Err = err
	case row.Prev == nil:
		res.New = true
	default:
		res.Updated = true
	}
	return res
}
