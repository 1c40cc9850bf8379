package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// console serialises the runner's own lines and its children's output on one writer,
// so that lines from concurrent processes never interleave mid-line.
type console struct {
	mu  sync.Mutex
	out io.Writer
}

func newConsole(out io.Writer) *console { return &console{out: out} }

func (c *console) printf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.out, "%s %s\n", time.Now().Format("15:04:05.000"), strings.TrimRight(line, "\n"))
}

// prefixed returns a writer that prints each complete line it receives behind
// "[name] ", the way `sam local` tags function output.
func (c *console) prefixed(name string) io.Writer {
	return &prefixWriter{con: c, prefix: "[" + name + "] "}
}

type prefixWriter struct {
	con    *console
	prefix string
	mu     sync.Mutex
	buf    []byte
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		line := w.buf[:i]
		w.con.mu.Lock()
		fmt.Fprintf(w.con.out, "%s%s\n", w.prefix, line)
		w.con.mu.Unlock()
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

// newRequestID is a random UUID-shaped id, like Lambda's request ids.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// traceID is an X-Ray trace header for an invocation (not sampled: nothing collects it).
func traceID(requestID string) string {
	epoch := fmt.Sprintf("%08x", time.Now().Unix())
	id := strings.ReplaceAll(requestID, "-", "")[:24]
	return "Root=1-" + epoch + "-" + id + ";Parent=" + id[:16] + ";Sampled=0"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func dirOf(path string) string { return filepath.Dir(path) }
