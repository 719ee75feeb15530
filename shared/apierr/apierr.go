// Package apierr holds the few kinds of error Tally answers with and the one
// mapping from a kind to an HTTP status and the spec's JSON error body.
package apierr

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an error the client is told about: a status, a stable code, a
// human message and, for invalid input, the offending fields.
type Error struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Body is the JSON document of every error answer:
// {"error": {"code": "...", "message": "...", "fields": {...}}}.
type Body struct {
	Error *Error `json:"error"`
}

// New makes an error of the given status and code.
func New(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid is a 400 invalid_field error naming the bad fields.
func Invalid(fields map[string]string) *Error {
	msg := "invalid fields"
	if len(fields) == 1 {
		for k, v := range fields {
			msg = k + ": " + v
		}
	}
	return &Error{Status: http.StatusBadRequest, Code: "invalid_field", Message: msg, Fields: fields}
}

// Common errors, by the codes of the spec.
func BadRequest(code, format string, args ...any) *Error {
	return New(http.StatusBadRequest, code, format, args...)
}
func Unauthorized(format string, args ...any) *Error {
	return New(http.StatusUnauthorized, "unauthorized", format, args...)
}
func Forbidden(format string, args ...any) *Error {
	return New(http.StatusForbidden, "forbidden", format, args...)
}
func NotFound(code, format string, args ...any) *Error {
	return New(http.StatusNotFound, code, format, args...)
}
func Conflict(code, format string, args ...any) *Error {
	return New(http.StatusConflict, code, format, args...)
}
func Unprocessable(code, format string, args ...any) *Error {
	return New(http.StatusUnprocessableEntity, code, format, args...)
}
func NotImplemented(what string) *Error {
	return New(http.StatusNotImplemented, "not_implemented", "%s is not implemented yet", what)
}

// Internal is the answer for anything unexpected; the cause is logged, never
// shown.
var Internal = &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error; try again"}

// From finds the *Error in err's chain, or Internal when there is none.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal
}
