package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chainfi/chainguard/infra/stack"
)

// syncBuffer collects a child's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestCtrlCStopsTheRunnerCleanly builds the runner, starts it on the test template
// against the test emulator (borrowed through AWS_ENDPOINT_URL, so left running), sends
// SIGINT as a terminal's Ctrl-C does, and checks the exit status and that nothing
// complains after the signal: no connection refused from a poller that outlived the
// emulator, no context canceled from an interrupted invocation.
func TestCtrlCStopsTheRunnerCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the runner")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "runner")
	// With the functions' flags, as make run does: the packages it shares with the echo
	// function the runner builds are then compiled once, which matters on a cold cache.
	build := exec.Command("go", append(append([]string{"build"}, stack.BuildFlags()...), "-o", bin, ".")...)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the runner: %v\n%s", err, out)
	}
	cases := []struct {
		name   string
		ready  bool          // wait for the ready banner before the signal
		during time.Duration // an HTTP call in flight when the signal comes (0: none)
		want   string        // the last line
	}{
		{"while it serves, with an invocation in flight", true, 800 * time.Millisecond, "stopped"},
		{"while it is still starting", false, 0, "local: stopped while starting"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			addr := freeAddr(t)
			var out syncBuffer
			cmd := exec.Command(bin, "-template", "testdata/template.yaml", "-addr", addr, "-stage", fmt.Sprintf("sigint%d", i),
				"-state-dir", filepath.Join(dir, fmt.Sprintf("state%d", i)), "-no-seed")
			cmd.Stdout, cmd.Stderr = &out, &out
			// A session of its own, without a terminal: a runner started from a test run
			// in a terminal would otherwise take its foreground group (takeTerminal).
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			t.Cleanup(func() { _ = cmd.Process.Kill() })

			if c.ready {
				waitFor(t, &out, exited, "ready in", 3*time.Minute)
			} else {
				// The build has begun; with an empty build folder it links for a while,
				// and provisioning the test template takes longer still.
				waitFor(t, &out, exited, "building ", time.Minute)
			}
			if c.during > 0 {
				go func() {
					resp, err := http.Get(fmt.Sprintf("http://%s/sleep?ms=%d", addr, c.during.Milliseconds()))
					if err == nil {
						resp.Body.Close()
					}
				}()
				time.Sleep(c.during / 2)
			}
			signalAt := len(out.String())
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				var exit *exec.ExitError
				if errors.As(err, &exit) {
					t.Errorf("exit status %d, want 0\n%s", exit.ExitCode(), out.String())
				} else if err != nil {
					t.Fatal(err)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("still running 20 s after SIGINT:\n%s", out.String())
			}
			after := out.String()[signalAt:]
			for _, noise := range []string{"refused", "canceled", "cancelled", "error", "FAILED", "panic", "exited"} {
				if strings.Contains(after, noise) {
					t.Errorf("after SIGINT the runner said %q:\n%s", noise, after)
				}
			}
			lines := strings.Split(strings.TrimSpace(after), "\n")
			if last := lines[len(lines)-1]; !strings.HasSuffix(last, c.want) {
				t.Errorf("last line %q, want %q", last, c.want)
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitFor(t *testing.T, out *syncBuffer, exited <-chan error, text string, limit time.Duration) {
	t.Helper()
	deadline := time.After(limit)
	for !strings.Contains(out.String(), text) {
		select {
		case err := <-exited:
			t.Fatalf("the runner exited (%v) before %q:\n%s", err, text, out.String())
		case <-deadline:
			t.Fatalf("no %q within %s:\n%s", text, limit, out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
