package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Sentinel errors. Every error the store returns wraps at most one of them, with the
// operation and key as context; compare with errors.Is.
var (
	// ErrNotFound: the item does not exist (HTTP 404, also for another tenant's item).
	ErrNotFound = errors.New("store: item not found")
	// ErrAlreadyExists: a Create found an item under the key (HTTP 409).
	ErrAlreadyExists = errors.New("store: item already exists")
	// ErrConflict: the item changed since it was read (version mismatch) or a concurrent
	// transaction held it; re-read and retry (HTTP 409).
	ErrConflict = errors.New("store: version conflict")
	// ErrConditionFailed: a caller-supplied condition did not hold.
	ErrConditionFailed = errors.New("store: condition failed")
	// ErrBadCursor: a pagination cursor was malformed, tampered with, or issued for another
	// query (HTTP 400).
	ErrBadCursor = errors.New("store: invalid cursor")
	// ErrInvalidKey: an id cannot be used as a key segment (HTTP 400).
	ErrInvalidKey = errors.New("store: invalid key")
	// ErrWrongEntity: the item under the key is of another entity type than requested; a
	// programming error (two entities sharing a key), never a client error.
	ErrWrongEntity = errors.New("store: wrong entity type")
)

// ConditionError is returned when a conditional write failed. Current is the item as it
// was when the condition was evaluated (nil when there was no item), so callers can decide
// what to do without another read.
type ConditionError struct {
	Op      string
	Key     Key
	Current map[string]types.AttributeValue
	Err     error // ErrConditionFailed, ErrAlreadyExists, ErrConflict or ErrNotFound
}

func (e *ConditionError) Error() string {
	return fmt.Sprintf("store: %s %s/%s: %v", e.Op, e.Key.PK, e.Key.SK, trimPrefix(e.Err))
}

func (e *ConditionError) Unwrap() error { return e.Err }

// TxFailure is one cancelled item of a transaction.
type TxFailure struct {
	Index int    // position of the item in the transaction, in the order it was added
	Op    string // "create", "put", "update", "patch", "delete", "check"
	Key   Key
	Code  string // DynamoDB cancellation code, e.g. ConditionalCheckFailed
	Err   error  // the sentinel it maps to (nil for codes without one)
}

// TxError reports a cancelled transaction. Nothing of it was written. Index, Op, Key and
// errors.Is refer to the first failing item; Failures lists all of them.
type TxError struct {
	Index    int
	Op       string
	Key      Key
	Err      error
	Failures []TxFailure
	cause    error
}

func (e *TxError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "store: transaction cancelled: item %d (%s %s/%s): ", e.Index, e.Op, e.Key.PK, e.Key.SK)
	if e.Err != nil {
		b.WriteString(trimPrefix(e.Err))
	} else if len(e.Failures) > 0 {
		b.WriteString(e.Failures[0].Code)
	}
	if len(e.Failures) > 1 {
		fmt.Fprintf(&b, " (and %d more)", len(e.Failures)-1)
	}
	return b.String()
}

// Unwrap exposes the mapped sentinel of the first failure and the SDK error.
func (e *TxError) Unwrap() []error {
	out := make([]error, 0, 2)
	if e.Err != nil {
		out = append(out, e.Err)
	}
	if e.cause != nil {
		out = append(out, e.cause)
	}
	return out
}

func trimPrefix(err error) string { return strings.TrimPrefix(err.Error(), "store: ") }
