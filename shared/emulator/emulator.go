// Package emulator starts a local AWS emulator (moto_server) for tests and for the local
// runner, and builds SDK configurations that talk to it through the standard endpoint
// setting (AWS_ENDPOINT_URL), so code under test is the code that runs in AWS.
//
// When AWS_ENDPOINT_URL is already set (LocalStack, a moto started by hand), Start reuses it
// instead of spawning a process.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
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

// Server is a running emulator, owned (started by us) or borrowed (AWS_ENDPOINT_URL).
type Server struct {
	Endpoint string
	cmd      *exec.Cmd
	done     chan struct{}
}

// Owned reports whether this process started the emulator (and so must stop it).
func (s *Server) Owned() bool { return s.cmd != nil }

// Start returns the emulator named by AWS_ENDPOINT_URL, or starts moto_server on a free
// loopback port and waits until it answers. logTo receives the emulator's output (nil
// discards it).
func Start(ctx context.Context, logTo *os.File) (*Server, error) {
	if ep := os.Getenv("AWS_ENDPOINT_URL"); ep != "" {
		if err := waitReady(ctx, ep, 10*time.Second); err != nil {
			return nil, fmt.Errorf("AWS_ENDPOINT_URL=%s does not answer: %w", ep, err)
		}
		return &Server{Endpoint: ep}, nil
	}
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logTo, logTo
	// Its own process group, so that stopping it also stops the workers it forks.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	if err := waitReady(ctx, s.Endpoint, 30*time.Second); err != nil {
		s.Stop()
		return nil, fmt.Errorf("moto_server did not become ready: %w", err)
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

func waitReady(ctx context.Context, endpoint string, limit time.Duration) error {
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
		case <-time.After(50 * time.Millisecond):
		}
	}
}
