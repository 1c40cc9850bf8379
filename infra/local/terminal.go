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
// restore undoes all three: it gives the terminal back (while SIGTTOU is still ignored:
// the runner is in the background then), returns to the original process group, where
// the terminal is its own again, and only then restores SIGTSTP and SIGTTOU. A runner
// left in the background with SIGTTOU at its default would stop on its last error line
// under `stty tostop`, and make would wait for it forever; so when it cannot rejoin its
// group, the two signals stay ignored until it exits.
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
	release := ignoreStopSignals()
	if err := syscall.Setpgid(0, 0); err != nil {
		release()
		tty.Close()
		return noop
	}
	if err := tcsetpgrp(fd, syscall.Getpid()); err != nil {
		_ = syscall.Setpgid(0, orig)
		release()
		tty.Close()
		return noop
	}
	return func() {
		_ = tcsetpgrp(fd, orig)
		if syscall.Setpgid(0, orig) == nil {
			release()
		}
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

// stopSignals are the job-control signals the runner ignores while it holds the terminal.
var stopSignals = [...]syscall.Signal{syscall.SIGTSTP, syscall.SIGTTOU}

// ignoreStopSignals ignores SIGTSTP and SIGTTOU and returns what puts back the
// dispositions they had. os/signal cannot do that: once signal.Ignore has set SIG_IGN,
// neither signal.Reset nor Notify then Reset brings back the default action (the runtime
// records SIG_IGN as the handler to forward to). So the kernel's rt_sigaction is called
// directly: the runtime installs no handler of its own for these two signals unless
// they are passed to signal.Notify, which the runner does not do. Should the kernel
// refuse (an architecture whose sigaction differs), it falls back to signal.Ignore,
// which is what the runner did before: ignored until exit.
func ignoreStopSignals() (release func()) {
	var saved [len(stopSignals)]kernelSigaction
	for i, sig := range stopSignals {
		ign := kernelSigaction{1} // SIG_IGN
		if err := rtSigaction(sig, &ign, &saved[i]); err != nil {
			for j := range i {
				_ = rtSigaction(stopSignals[j], &saved[j], nil)
			}
			signal.Ignore(syscall.SIGTSTP, syscall.SIGTTOU)
			return func() {}
		}
	}
	return func() {
		for i, sig := range stopSignals {
			_ = rtSigaction(sig, &saved[i], nil)
		}
	}
}

// kernelSigaction is large enough for the kernel's struct sigaction on every Linux
// architecture. Saved values are handed back unchanged, so their layout does not matter;
// only the handler, the first field, is ever set.
type kernelSigaction [8]uint64

func rtSigaction(sig syscall.Signal, act, old *kernelSigaction) error {
	const sigsetBytes = 8 // the kernel's sigset_t: 64 signals
	_, _, errno := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig),
		uintptr(unsafe.Pointer(act)), uintptr(unsafe.Pointer(old)), sigsetBytes, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
