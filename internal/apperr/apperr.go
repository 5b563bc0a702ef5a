// Package apperr defines the one application error type: a machine-readable
// code plus a Simplified Chinese message that is safe to show to users.
package apperr

import (
	"errors"
	"fmt"
)

// Code is the machine-readable error class, exposed as extensions.code.
type Code string

// Error codes shared by every module and mapped once at the GraphQL edge.
const (
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	NotFound        Code = "NOT_FOUND"
	InvalidInput    Code = "INVALID_INPUT"
	Conflict        Code = "CONFLICT"
	RateLimited     Code = "RATE_LIMITED"
	Internal        Code = "INTERNAL"
)

// Error is an error with a code and a user-facing Chinese message.
// Err, when set, is the underlying cause; it is logged, never shown.
type Error struct {
	Code    Code
	Message string
	// Field names the input field at fault, when there is one.
	Field string
	// Details carries structured extra data for clients (e.g. per-row import errors).
	Details any
	Err     error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error with the given code and Chinese message.
func New(code Code, msg string) *Error { return &Error{Code: code, Message: msg} }

// Wrap returns an error with the given code and message that wraps cause.
func Wrap(code Code, msg string, cause error) *Error {
	return &Error{Code: code, Message: msg, Err: cause}
}

// Invalid returns an INVALID_INPUT error for field.
func Invalid(field, msg string) *Error {
	return &Error{Code: InvalidInput, Message: msg, Field: field}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// CodeOf returns the code of err, or Internal for errors of unknown kind.
func CodeOf(err error) Code {
	if e, ok := As(err); ok {
		return e.Code
	}
	return Internal
}

// Common errors with their standard messages.
var (
	ErrUnauthenticated = New(Unauthenticated, "请先登录")
	ErrForbidden       = New(Forbidden, "没有权限执行此操作")
	ErrNotFound        = New(NotFound, "找不到该记录，或您无权查看")
	ErrNoTenant        = New(Forbidden, "当前身份不属于任何乡镇，无法访问乡镇数据")
)
