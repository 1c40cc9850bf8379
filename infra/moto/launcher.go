// Package moto runs our moto launcher: moto_server with its DynamoDB patched so that
// concurrent requests, transactions, queries and streams behave as on AWS and cost what
// they cost there (launcher.py; the patches and why are listed in README.md).
//
// The launcher is a Python script embedded in this package. It is written to a cache
// file and run with the Python interpreter that runs moto_server, so it imports the same
// moto.
package moto

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

//go:embed launcher.py
var script []byte

// Script is the launcher's source.
func Script() []byte { return bytes.Clone(script) }

// ErrNoPython means no interpreter for the launcher was found.
var ErrNoPython = errors.New("no Python interpreter found for the moto launcher: neither moto_server's shebang names one nor is python3 on PATH")

// WriteScript writes the launcher to the user's cache directory (the system temporary
// directory if there is none) under a name derived from its content, and returns the
// path. Concurrent test binaries may all call it: the file is written aside and renamed.
func WriteScript() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "chainguard")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("moto launcher: %w", err)
	}
	sum := sha256.Sum256(script)
	path := filepath.Join(dir, "moto-launcher-"+hex.EncodeToString(sum[:6])+".py")
	if existing, err := os.ReadFile(path); err == nil && bytes.Equal(existing, script) {
		return path, nil
	}
	tmp, err := os.CreateTemp(dir, "moto-launcher-*.tmp")
	if err != nil {
		return "", fmt.Errorf("moto launcher: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(script); err != nil {
		tmp.Close()
		return "", fmt.Errorf("moto launcher: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("moto launcher: write %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("moto launcher: %w", err)
	}
	return path, nil
}

// Command is the command that runs the launcher on host:port, with the interpreter that
// runs the moto_server script at motoServer (as found on PATH).
func Command(motoServer, host string, port int) (*exec.Cmd, error) {
	python, err := Interpreter(motoServer)
	if err != nil {
		return nil, err
	}
	path, err := WriteScript()
	if err != nil {
		return nil, err
	}
	return exec.Command(python, path, "-H", host, "-p", strconv.Itoa(port)), nil
}

// pyenvShim matches the line of a pyenv shim that hands over to pyenv.
var pyenvShim = regexp.MustCompile(`exec "([^"]+/pyenv)" exec "\$program"`)

// Interpreter is the Python that runs the moto_server script at motoServer: the one its
// shebang names (directly or through env), or, when moto_server is a pyenv shim, the one
// of the script pyenv resolves it to. Anything else falls back to python3 on PATH.
func Interpreter(motoServer string) (string, error) {
	for range 2 { // the shim, then the script it stands for
		line, body, err := head(motoServer)
		if err != nil {
			return "", fmt.Errorf("read moto_server: %w", err)
		}
		if python := shebangPython(line); python != "" {
			return python, nil
		}
		m := pyenvShim.FindSubmatch(body)
		if m == nil {
			break
		}
		out, err := exec.Command(string(m[1]), "which", filepath.Base(motoServer)).Output()
		if err != nil {
			break
		}
		motoServer = strings.TrimSpace(string(out))
	}
	if python, err := exec.LookPath("python3"); err == nil {
		return python, nil
	}
	return "", ErrNoPython
}

// head returns the first line of a file and up to 4 KB of it.
func head(path string) (string, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, err := f.Read(buf)
	if n == 0 && err != nil {
		return "", nil, err
	}
	buf = buf[:n]
	line, _, _ := bufio.NewReader(bytes.NewReader(buf)).ReadLine()
	return string(line), buf, nil
}

// shebangPython is the interpreter a "#!" line names when it is a Python, else "".
func shebangPython(line string) string {
	rest, ok := strings.CutPrefix(line, "#!")
	if !ok {
		return ""
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return ""
	}
	prog := fields[0]
	if filepath.Base(prog) == "env" {
		args := fields[1:]
		if len(args) > 0 && args[0] == "-S" {
			args = args[1:]
		}
		if len(args) == 0 || !isPython(args[0]) {
			return ""
		}
		found, err := exec.LookPath(args[0])
		if err != nil {
			return ""
		}
		return found
	}
	if !isPython(prog) {
		return ""
	}
	return prog
}

func isPython(prog string) bool { return strings.HasPrefix(filepath.Base(prog), "python") }
