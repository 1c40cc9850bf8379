package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// TestTakeTerminalGivesBackTheTerminalItsGroupAndTheStopSignals runs the helper below in
// a terminal of its own (a pseudo-terminal), as `make run` runs the runner: in the
// foreground group of a shell that does no job control.
func TestTakeTerminalGivesBackTheTerminalItsGroupAndTheStopSignals(t *testing.T) {
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	defer ptmx.Close()
	var unlock, n int32
	if err := ioctl(ptmx.Fd(), syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatal(err)
	}
	if err := ioctl(ptmx.Fd(), syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatal(err)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer pts.Close()

	var out bytes.Buffer
	cmd := exec.Command("/bin/sh", "-c", `"$@"; exit $?`, "sh", os.Args[0], "-test.run=^TestTakeTerminalHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "CHAINGUARD_TERMINAL_HELPER=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "--- PASS: TestTakeTerminalHelper") {
		t.Fatalf("the helper did not pass:\n%s", out.String())
	}
}

func TestTakeTerminalHelper(t *testing.T) {
	if os.Getenv("CHAINGUARD_TERMINAL_HELPER") != "1" {
		t.Skip("runs in a terminal of its own, from the test above")
	}
	tty, err := os.Open("/dev/tty")
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	group, ignoredBefore := syscall.Getpgrp(), ignoredSignals(t)
	if fg, _ := tcgetpgrp(tty.Fd()); fg != group {
		t.Fatalf("the helper is not in the foreground (group %d, foreground %d)", group, fg)
	}

	restore := takeTerminal()
	stops := uint64(1)<<(syscall.SIGTSTP-1) | uint64(1)<<(syscall.SIGTTOU-1)
	if fg, _ := tcgetpgrp(tty.Fd()); fg != syscall.Getpid() || syscall.Getpgrp() != syscall.Getpid() {
		t.Fatalf("the terminal was not taken: foreground %d, group %d, pid %d", fg, syscall.Getpgrp(), syscall.Getpid())
	}
	if got := ignoredSignals(t); got&stops != stops {
		t.Errorf("SIGTSTP and SIGTTOU not ignored while the terminal is held: %x", got)
	}

	restore()
	if fg, _ := tcgetpgrp(tty.Fd()); fg != group {
		t.Errorf("the terminal's foreground is %d after restore, want the original %d", fg, group)
	}
	if got := syscall.Getpgrp(); got != group {
		t.Errorf("process group %d after restore, want the original %d", got, group)
	}
	if got := ignoredSignals(t); got != ignoredBefore {
		t.Errorf("ignored signals %x after restore, want %x as before", got, ignoredBefore)
	}
}

// ignoredSignals is this process's SigIgn mask (bit n-1 for signal n).
func ignoredSignals(t *testing.T) uint64 {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if hex, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			var mask uint64
			if _, err := fmt.Sscanf(strings.TrimSpace(hex), "%x", &mask); err != nil {
				t.Fatal(err)
			}
			return mask
		}
	}
	t.Fatal("no SigIgn in /proc/self/status")
	return 0
}

func ioctl(fd uintptr, req uint, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, uintptr(req), uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}
