package envelope

import "errors"

var (
	// ErrDecrypt means a message cannot be opened: it is malformed, was tampered with, was
	// moved to another context, or KMS refused its data key. Transient KMS failures
	// (throttling, network) are not ErrDecrypt.
	ErrDecrypt = errors.New("envelope: decryption failed")

	// ErrFormat means a message is not well formed: unknown version, truncated, invalid
	// base64. Every ErrFormat is also an ErrDecrypt.
	ErrFormat = errors.New("envelope: malformed ciphertext")

	// ErrInvalidContext means a Context lacks a field or holds invalid UTF-8.
	ErrInvalidContext = errors.New("envelope: invalid encryption context")
)

// formatError reports where a message is malformed; it matches ErrFormat and ErrDecrypt.
type formatError struct{ reason string }

func (e *formatError) Error() string { return ErrFormat.Error() + ": " + e.reason }

func (e *formatError) Is(target error) bool { return target == ErrFormat || target == ErrDecrypt }
