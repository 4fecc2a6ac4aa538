// Package stateserror is the error every part of the ASL engine returns
// when an execution fails: a name that Retry and Catch match (States.* or a
// task's own error type) and a cause. It is its own package so that the
// engine and its JSONPath, intrinsic and JSONata evaluators share it without
// importing each other.
package stateserror

import "fmt"

// The error names the Amazon States Language defines
// (https://states-language.net/spec.html#appendix-a and the Step Functions
// developer guide's "Error handling" page).
const (
	ALL                    = "States.ALL"
	HeartbeatTimeout       = "States.HeartbeatTimeout"
	Timeout                = "States.Timeout"
	TaskFailed             = "States.TaskFailed"
	Permissions            = "States.Permissions"
	ResultPathMatchFailure = "States.ResultPathMatchFailure"
	ParameterPathFailure   = "States.ParameterPathFailure"
	QueryEvaluationError   = "States.QueryEvaluationError"
	BranchFailed           = "States.BranchFailed"
	NoChoiceMatched        = "States.NoChoiceMatched"
	IntrinsicFailure       = "States.IntrinsicFailure"
	ExceedToleratedFailure = "States.ExceedToleratedFailureThreshold"
	ItemReaderFailed       = "States.ItemReaderFailed"
	ResultWriterFailed     = "States.ResultWriterFailed"
	Runtime                = "States.Runtime"
	DataLimitExceeded      = "States.DataLimitExceeded"
)

// Error is a failure with the name Retry and Catch match and its cause.
type Error struct {
	Name  string
	Cause string
}

func (e *Error) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

// New is an Error whose cause is formatted like fmt.Sprintf.
func New(name, format string, args ...any) *Error {
	return &Error{Name: name, Cause: fmt.Sprintf(format, args...)}
}
