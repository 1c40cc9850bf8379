// Package emulator starts a local AWS emulator (moto) for tests and for the local runner,
// and builds SDK configurations that talk to it through the standard endpoint setting
// (AWS_ENDPOINT_URL), so code under test is the code that runs in AWS.
//
// What it starts is our moto launcher (infra/moto): moto_server with DynamoDB patched so
// that concurrent transactions are serializable and queries and streams do not grow with
// the table. CHAINGUARD_EMULATOR=stock starts the stock moto_server instead. When
// AWS_ENDPOINT_URL is already set (LocalStack, a moto started by hand), Start reuses it
// instead of spawning a process.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/chainfi/chainguard/infra/moto"
)

// Region is the region every local resource lives in.
const Region = "us-east-1"

// Fake credentials: the emulator accepts any, but the SDK insists on signing.
const (
	AccessKeyID     = "testing"
	SecretAccessKey = "testing"
)

// ErrNotInstalled means neither an endpoint was given nor moto_server is on the PATH.
var ErrNotInstalled = errors.New("moto_server not found on PATH: install it with `pip install 'moto[server]'` or point AWS_ENDPOINT_URL at a running LocalStack or moto")

// Mode is what Start runs when AWS_ENDPOINT_URL is not set.
type Mode string

const (
	// Launcher is moto with our DynamoDB patches (infra/moto): serializable transactions
	// without table copies, queries that read one partition, bounded streams. The default.
	Launcher Mode = "launcher"
	// Stock is moto_server as installed, to show what the patches fix.
	Stock Mode = "stock"
)

// ModeEnv selects the Mode: unset or "launcher", or "stock".
const ModeEnv = "CHAINGUARD_EMULATOR"

// ModeFromEnv reads ModeEnv.
func ModeFromEnv() (Mode, error) {
	switch m := Mode(os.Getenv(ModeEnv)); m {
	case "", Launcher:
		return Launcher, nil
	case Stock:
		return Stock, nil
	default:
		return "", fmt.Errorf("%s=%q: want %q or %q", ModeEnv, string(m), Launcher, Stock)
	}
}

// Server is a running emulator, owned (started by us) or borrowed (AWS_ENDPOINT_URL).
type Server struct {
	Endpoint string
	// Mode is what runs, when this process started it; empty when borrowed.
	Mode Mode
	cmd  *exec.Cmd
	done chan struct{}
}

// Owned reports whether this process started the emulator (and so must stop it).
func (s *Server) Owned() bool { return s.cmd != nil }

// PID is the emulator's process id when owned, else 0.
func (s *Server) PID() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Start returns the emulator named by AWS_ENDPOINT_URL, or starts one on a free loopback
// port (our launcher, or the stock moto_server when CHAINGUARD_EMULATOR=stock) and waits
// until it answers. logTo receives the emulator's output (nil discards it).
func Start(ctx context.Context, logTo *os.File) (*Server, error) {
	if ep := os.Getenv("AWS_ENDPOINT_URL"); ep != "" {
		if err := waitReady(ctx, ep, 10*time.Second, nil); err != nil {
			return nil, fmt.Errorf("AWS_ENDPOINT_URL=%s does not answer: %w", ep, err)
		}
		return &Server{Endpoint: ep}, nil
	}
	mode, err := ModeFromEnv()
	if err != nil {
		return nil, err
	}
	var w io.Writer // a nil *os.File must not become a non-nil io.Writer
	if logTo != nil {
		w = logTo
	}
	return Launch(ctx, mode, w)
}

// Launch starts an emulator of the given mode on a free loopback port, whatever
// AWS_ENDPOINT_URL says, and waits until it answers. logTo receives its output (nil
// discards it).
func Launch(ctx context.Context, mode Mode, logTo io.Writer) (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	var cmd *exec.Cmd
	switch mode {
	case Stock:
		cmd = exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	case Launcher:
		if cmd, err = moto.Command(bin, "127.0.0.1", port); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("emulator mode %q: want %q or %q", mode, Launcher, Stock)
	}
	// The last lines of output explain an emulator that exits at start (moto not
	// importable by the interpreter, a patch that no longer applies).
	tail := &tailBuffer{max: 4096}
	out := io.Writer(tail)
	if logTo != nil {
		out = io.MultiWriter(logTo, tail)
	}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so that stopping it also stops the workers it forks.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", strings.Join(cmd.Args, " "), err)
	}
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), Mode: mode, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	if err := waitReady(ctx, s.Endpoint, 30*time.Second, s.done); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%s (%s) did not become ready: %w\n%s", mode, strings.Join(cmd.Args, " "), err, tail.String())
	}
	return s, nil
}

// Stop ends an owned emulator; a borrowed one is left running.
func (s *Server) Stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}

// Env is the environment a process needs to reach this emulator through the standard
// SDK settings.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.Endpoint,
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// Config is an SDK configuration for this emulator.
func (s *Server) Config(ctx context.Context) (aws.Config, error) {
	return awsconfig.LoadDefaultConfig(ctx,
		awsconfig.WithRegion(Region),
		awsconfig.WithBaseEndpoint(s.Endpoint),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, "")),
		awsconfig.WithRetryMaxAttempts(3),
	)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// errExited means the emulator process ended before it answered.
var errExited = errors.New("the process exited")

func waitReady(ctx context.Context, endpoint string, limit time.Duration, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/moto-api/", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			// LocalStack answers 404 on /moto-api/: any HTTP answer means it is up.
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-exited:
			return errExited
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(string(b.buf))
}
