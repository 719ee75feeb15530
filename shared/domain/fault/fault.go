// Package fault holds the kinds of failure Tally's domain reports: bad
// input, something missing, a conflict with what is recorded, and so on.
// Domain code wraps them with %w where they happen; only the web edge maps
// a kind to an HTTP status and the spec's error body (package apierr).
package fault

import (
	"errors"
	"fmt"
)

// Kind is what went wrong, in the domain's words.
type Kind int

// The kinds. Internal is anything unexpected: its cause is logged, never
// shown.
const (
	Internal       Kind = iota
	Invalid             // the input is malformed or out of range
	Unauthorized        // nobody we know is asking
	Forbidden           // someone we know asks for what is not theirs
	NotFound            // what is named does not exist
	Conflict            // it contradicts what is recorded (a replay with another body, a state that forbids it)
	TooLarge            // the input is over its limit
	Unprocessable       // well formed, but the rules cannot apply it
	NotImplemented      // not built yet
	Unavailable         // a service we depend on is down or refused us; a retry may work
)

// Error is a failure the caller is told about: its kind, a stable code
// (the spec's, like "payout_not_found"), a human message and, for invalid
// input, the offending fields.
type Error struct {
	Kind    Kind              `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Lines are the problems of a file, by line (an import's CSV).
	Lines []Line `json:"lines,omitempty"`
}

// Line is one problem of a file: its line (the first is 1) and what is
// wrong there.
type Line struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New makes an error of a kind with a code and a message.
func New(k Kind, code, format string, args ...any) *Error {
	return &Error{Kind: k, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Fields is an Invalid error with the code invalid_field, naming each bad
// field and what is wrong with it.
func Fields(fields map[string]string) *Error {
	msg := "invalid fields"
	if len(fields) == 1 {
		for k, v := range fields {
			msg = k + ": " + v
		}
	}
	return &Error{Kind: Invalid, Code: "invalid_field", Message: msg, Fields: fields}
}

// As finds the *Error in err's chain; nil when there is none.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// KindOf is the kind of err: Internal when no *Error is in its chain.
func KindOf(err error) Kind {
	if e := As(err); e != nil {
		return e.Kind
	}
	return Internal
}

// What a conditional write found: the domain's services decide what each
// means (a replay, a lost race, a read to repeat); the table returns them.
var (
	// ErrExists: the record already exists (a replay or a concurrent
	// duplicate got there first).
	ErrExists = errors.New("webhook already recorded")
	// ErrRetry: something read for this write moved, or DynamoDB saw a
	// conflicting transaction: read and try again.
	ErrRetry = errors.New("concurrent change; retry")
	// ErrConflict: the item was already moved by someone else (an entry
	// taken by another payout, a status changed).
	ErrConflict = errors.New("changed by another request")
)
