package envelope

import (
	"bytes"
	"errors"
	"testing"
)

// wellFormed builds a version-1 message around an encrypted data key and a sealed part.
func wellFormed(edk []byte, sealedLen int) []byte {
	return append(appendHeader(nil, edk), bytes.Repeat([]byte{0xAB}, sealedLen)...)
}

func TestDecodeSplitsAMessageAndRefusesMalformedOnes(t *testing.T) {
	edk := bytes.Repeat([]byte{7}, 96)
	for _, tc := range []struct {
		name    string
		in      []byte
		wantErr bool
		wantEDK int
	}{
		{"a message with an empty plaintext decodes", wellFormed(edk, nonceSize+tagSize), false, 96},
		{"a message with a one-byte data key decodes", wellFormed([]byte{1}, nonceSize+tagSize+5), false, 1},
		{"nil is refused", nil, true, 0},
		{"a lone version byte is refused", []byte{version1}, true, 0},
		{"version 0 is refused", append([]byte{0}, wellFormed(edk, 40)[1:]...), true, 0},
		{"version 2 is refused", append([]byte{2}, wellFormed(edk, 40)[1:]...), true, 0},
		{"a zero-length data key is refused", wellFormed(nil, 40), true, 0},
		{"a message one byte short of its tag is refused", wellFormed(edk, nonceSize+tagSize-1), true, 0},
		{"a key length beyond the message is refused", append([]byte{version1, 0xff, 0xff}, make([]byte, 200)...), true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := decode(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrFormat) || !errors.Is(err, ErrDecrypt) {
					t.Fatalf("decode error = %v, want ErrFormat and ErrDecrypt", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(m.edk) != tc.wantEDK || len(m.header) != 3+tc.wantEDK {
				t.Errorf("edk %d bytes, header %d bytes; want %d and %d", len(m.edk), len(m.header), tc.wantEDK, 3+tc.wantEDK)
			}
		})
	}
}

// FuzzDecode checks that the parser never panics, refuses with ErrFormat, and, when it
// accepts, splits the input into parts that rebuild it exactly.
func FuzzDecode(f *testing.F) {
	f.Add(wellFormed(bytes.Repeat([]byte{7}, 96), nonceSize+tagSize+200))
	f.Add(wellFormed([]byte{1}, nonceSize+tagSize))
	f.Add([]byte{})
	f.Add([]byte{version1})
	f.Add([]byte{version1, 0, 0})
	f.Add([]byte{version1, 0xff, 0xff, 1, 2, 3})
	f.Add([]byte{2, 0, 1, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := decode(in)
		if err != nil {
			if !errors.Is(err, ErrFormat) || !errors.Is(err, ErrDecrypt) {
				t.Fatalf("error %v is not ErrFormat and ErrDecrypt", err)
			}
			return
		}
		if len(m.edk) == 0 || len(m.sealed) < nonceSize+tagSize {
			t.Fatalf("accepted a %d-byte data key and a %d-byte sealed part", len(m.edk), len(m.sealed))
		}
		if !bytes.Equal(m.header, appendHeader(nil, m.edk)) {
			t.Fatalf("header %x does not match the data key", m.header)
		}
		if rebuilt := append(bytes.Clone(m.header), m.sealed...); !bytes.Equal(rebuilt, in) {
			t.Fatalf("parts rebuild %x, input was %x", rebuilt, in)
		}
	})
}
