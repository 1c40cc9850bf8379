package main

import (
	"os"
	"os/signal"
	"syscall"
	"unsafe"
)

// takeTerminal makes the runner the terminal's foreground process group, so that Ctrl-C
// reaches the runner alone, and returns what gives the terminal back.
//
// A terminal sends Ctrl-C's SIGINT to its whole foreground process group. Under `make
// run` that group holds make and `go run` too: `go run` exits 1 once interrupted, and GNU
// make always ends by re-raising SIGINT on itself (status 130), whatever the runner's own
// status. With the runner in a group of its own, they only see it exit 0 and exit 0.
// Without a controlling terminal (CI, a pipe, a test), or when the runner is not in the
// foreground (started with &), nothing changes. Ctrl-Z is ignored while the runner holds
// the terminal: a stopped runner would leave make waiting on a terminal nobody reads.
func takeTerminal() (restore func()) {
	noop := func() {}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return noop
	}
	fd := tty.Fd()
	orig, err := tcgetpgrp(fd)
	if err != nil || orig != syscall.Getpgrp() {
		tty.Close()
		return noop
	}
	// Once in its own group the runner is in the background until tcsetpgrp completes,
	// and a background tcsetpgrp raises SIGTTOU.
	signal.Ignore(syscall.SIGTTOU, syscall.SIGTSTP)
	if err := syscall.Setpgid(0, 0); err != nil {
		tty.Close()
		return noop
	}
	if err := tcsetpgrp(fd, syscall.Getpid()); err != nil {
		_ = syscall.Setpgid(0, orig)
		tty.Close()
		return noop
	}
	return func() {
		_ = tcsetpgrp(fd, orig)
		tty.Close()
	}
}

func tcgetpgrp(fd uintptr) (int, error) {
	var pgrp int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGPGRP, uintptr(unsafe.Pointer(&pgrp))); errno != 0 {
		return 0, errno
	}
	return int(pgrp), nil
}

func tcsetpgrp(fd uintptr, pgrp int) error {
	p := int32(pgrp)
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSPGRP, uintptr(unsafe.Pointer(&p))); errno != 0 {
		return errno
	}
	return nil
}
