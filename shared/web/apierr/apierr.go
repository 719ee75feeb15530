// Package apierr is the one mapping from a failure to an HTTP status and the
// spec's JSON error body. Domain packages return kinds (package fault); the
// edge (package web, the webhooks' Serve) answers them through From, and
// builds an *Error itself only for what is about HTTP (a bad signature, a
// body over its limit).
package apierr

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/tallyhq/tally/shared/domain/fault"
)

// Error is an error the client is told about: a status, a stable code, a
// human message and, for invalid input, the offending fields.
type Error struct {
	Status int `json:"-"`
	Fault
}

// Fault is the code, message and fields the body carries.
type Fault = fault.Error

// Body is the JSON document of every error answer:
// {"error": {"code": "...", "message": "...", "fields": {...}}}.
type Body struct {
	Error *Error `json:"error"`
}

// New makes an error of the given status and code.
func New(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Fault: Fault{Code: code, Message: fmt.Sprintf(format, args...)}}
}

// Invalid is a 400 invalid_field error naming the bad fields.
func Invalid(fields map[string]string) *Error { return Of(fault.Fields(fields)) }

// statuses is the one table from a kind to its status.
var statuses = map[fault.Kind]int{
	fault.Invalid:        http.StatusBadRequest,
	fault.Unauthorized:   http.StatusUnauthorized,
	fault.Forbidden:      http.StatusForbidden,
	fault.NotFound:       http.StatusNotFound,
	fault.Conflict:       http.StatusConflict,
	fault.TooLarge:       http.StatusRequestEntityTooLarge,
	fault.Unprocessable:  http.StatusUnprocessableEntity,
	fault.NotImplemented: http.StatusNotImplemented,
	fault.Unavailable:    http.StatusServiceUnavailable,
}

// Status is the HTTP status of a kind; 500 for Internal.
func Status(k fault.Kind) int {
	if s, ok := statuses[k]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Of is a domain error as the client is told it.
func Of(e *fault.Error) *Error {
	return &Error{Status: Status(e.Kind), Fault: *e}
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
var Internal = &Error{Status: http.StatusInternalServerError, Fault: Fault{Code: "internal", Message: "internal error; try again"}}

// From is how err is answered: the *Error in its chain, else its kind's
// (package fault), else Internal.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if f := fault.As(err); f != nil && f.Kind != fault.Internal {
		return Of(f)
	}
	return Internal
}
