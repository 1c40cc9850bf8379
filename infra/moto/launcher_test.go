package moto

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func writeExec(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestInterpreter(t *testing.T) {
	python3, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not on PATH")
	}
	dir := t.TempDir()
	real := writeExec(t, dir, "real_moto_server", "#!/opt/py/bin/python3.11\nimport moto.server\n")
	fakePyenv := writeExec(t, dir, "pyenv", "#!/bin/sh\n[ \"$1\" = which ] && echo "+real+"\n")
	cases := []struct {
		name   string
		script string
		want   string
	}{
		{"an absolute Python shebang names the interpreter", "#!/usr/local/bin/python3.12\n", "/usr/local/bin/python3.12"},
		{"an env shebang is looked up on PATH", "#!/usr/bin/env python3\n", python3},
		{"a pyenv shim is followed to the script it stands for", "#!/usr/bin/env bash\nset -e\nexec \"" + fakePyenv + "\" exec \"$program\" \"$@\"\n", "/opt/py/bin/python3.11"},
		{"a shell wrapper falls back to python3", "#!/bin/sh\nexec something\n", python3},
		{"no shebang falls back to python3", "print('hi')\n", python3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Interpreter(writeExec(t, t.TempDir(), "moto_server", c.script))
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("Interpreter = %q, want %q", got, c.want)
			}
		})
	}
	t.Run("a missing moto_server is an error", func(t *testing.T) {
		if _, err := Interpreter(filepath.Join(dir, "absent")); err == nil {
			t.Error("want an error")
		}
	})
}

func TestWriteScriptIsStableAndComplete(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	first, err := WriteScript()
	if err != nil {
		t.Fatal(err)
	}
	second, err := WriteScript()
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Errorf("paths differ: %s, %s", first, second)
	}
	got, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, Script()) {
		t.Error("written launcher differs from the embedded one")
	}
}

// TestPatches runs launcher_test.py, the patches' own tests (moto's query compared with
// ours on random data, undo log, streams, lock), with moto_server's interpreter.
func TestPatches(t *testing.T) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server not on PATH")
	}
	python, err := Interpreter(bin)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "-m", "unittest", "launcher_test.py")
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s -m unittest launcher_test.py: %v\n%s", python, err, out)
	}
	t.Logf("%s", bytes.TrimSpace(out))
}

func TestPatchesApplyToTheInstalledMoto(t *testing.T) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server not on PATH")
	}
	cmd, err := Command(bin, "127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Args = append(cmd.Args[:2], "--patch-only")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
	// A moto other than the one the patches were written for is a warning, not a failure:
	// TestPatches says whether they still hold.
	t.Logf("%s", bytes.TrimSpace(out))
}
