package envelope

import (
	"encoding/binary"
	"fmt"
)

const (
	version1   byte = 0x01
	nonceSize       = 12
	tagSize         = 16
	lenSize         = 2
	maxEDKSize      = 1<<16 - 1
	// minSize is the shortest well-formed message: a one-byte data key, an empty plaintext.
	minSize = 1 + lenSize + 1 + nonceSize + tagSize
)

// message is a parsed version-1 ciphertext; its slices alias the input.
type message struct {
	header []byte // version, key length and encrypted data key: the start of the AAD
	edk    []byte // encrypted data key
	sealed []byte // nonce, ciphertext, tag
}

// appendHeader appends the version-1 header for an encrypted data key.
func appendHeader(dst, edk []byte) []byte {
	dst = append(dst, version1)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(edk)))
	return append(dst, edk...)
}

// decode parses a version-1 message without copying.
func decode(b []byte) (message, error) {
	if len(b) == 0 {
		return message{}, &formatError{"empty"}
	}
	if b[0] != version1 {
		return message{}, &formatError{fmt.Sprintf("unknown version %d", b[0])}
	}
	if len(b) < minSize {
		return message{}, &formatError{fmt.Sprintf("truncated: %d bytes", len(b))}
	}
	n := int(binary.BigEndian.Uint16(b[1:]))
	if n == 0 {
		return message{}, &formatError{"empty data key"}
	}
	end := 1 + lenSize + n
	if len(b)-end < nonceSize+tagSize {
		return message{}, &formatError{fmt.Sprintf("truncated: %d bytes for a %d-byte data key", len(b), n)}
	}
	return message{header: b[:end], edk: b[1+lenSize : end], sealed: b[end:]}, nil
}
