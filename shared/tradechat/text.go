package tradechat

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chainfi/chainguard/shared/failure"
)

// bidiControl reports the characters that reorder text as it is displayed: embeddings and
// overrides (U+202A..U+202E) and isolates (U+2066..U+2069). In a payment chat they can make
// an amount or an account number read differently from what was written. The plain marks
// (U+200E, U+200F) change no order and stay allowed.
func bidiControl(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}

// checkText: 1..MaxTextRunes characters of valid UTF-8, something besides white space, no
// control character but the newline, no bidi control.
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return failure.InvalidInput("invalid_text", "the text is not valid UTF-8")
	}
	if strings.TrimSpace(s) == "" {
		return failure.InvalidInput("empty_text", "the message has no text")
	}
	if n := utf8.RuneCountInString(s); n > MaxTextRunes {
		return failure.InvalidInput("text_too_long", "a message holds at most %d characters, this one %d", MaxTextRunes, n)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }) {
		return failure.InvalidInput("invalid_text", "the text holds a control character (only the newline is allowed)")
	}
	if strings.ContainsFunc(s, bidiControl) {
		return failure.InvalidInput("invalid_text", "the text holds a direction override or isolate")
	}
	return nil
}

// checkFileName: 1..MaxFileNameRunes characters, one line, no path, no bidi control (a
// name like "receipt\u202Efdp.exe" would display as "receiptexe.pdf").
func checkFileName(s string) error {
	switch {
	case !utf8.ValidString(s) || strings.TrimSpace(s) == "":
		return failure.InvalidInput("invalid_file_name", "the file name is empty or not valid UTF-8")
	case utf8.RuneCountInString(s) > MaxFileNameRunes:
		return failure.InvalidInput("invalid_file_name", "a file name holds at most %d characters", MaxFileNameRunes)
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || bidiControl(r) || r == '/' || r == '\\' }):
		return failure.InvalidInput("invalid_file_name", "the file name holds a control character, a direction override or a path separator")
	}
	return nil
}

// fileKind is an accepted file type: its content type, the bytes files of that type start
// with, and the extension of the name downloads are given.
type fileKind struct {
	contentType string
	magic       []byte
	ext         string
}

var fileKinds = []fileKind{
	{"image/png", []byte("\x89PNG\r\n\x1a\n"), "png"},
	{"image/jpeg", []byte("\xFF\xD8\xFF"), "jpg"},
	{"application/pdf", []byte("%PDF-"), "pdf"},
}

func kindOf(contentType string) (fileKind, bool) {
	for _, k := range fileKinds {
		if k.contentType == contentType {
			return k, true
		}
	}
	return fileKind{}, false
}

func checkUpload(in UploadInput) (fileKind, error) {
	if err := checkFileName(in.FileName); err != nil {
		return fileKind{}, err
	}
	k, ok := kindOf(in.ContentType)
	if !ok {
		return fileKind{}, failure.InvalidInput("unsupported_media_type", "receipts are image/png, image/jpeg or application/pdf")
	}
	switch {
	case in.Size <= 0:
		return fileKind{}, failure.InvalidInput("invalid_size", "the declared size must be at least one byte")
	case in.Size > MaxFileSize:
		return fileKind{}, failure.InvalidInput("file_too_large", "a receipt is at most %d bytes", MaxFileSize)
	}
	return k, nil
}
