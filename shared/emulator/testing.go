package emulator

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// LogEnv names a file that RunTests appends the emulator's output to (moto's request log
// and tracebacks), for a test run that needs them.
const LogEnv = "CHAINGUARD_EMULATOR_LOG"

// RunTests starts an emulator for a test binary, points the standard AWS environment
// variables at it, runs the tests and stops it. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }
//
// Tests then get a configuration with TestConfig.
func RunTests(m *testing.M) int {
	var logTo *os.File
	if path := os.Getenv(LogEnv); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "emulator:", err)
			return 1
		}
		defer f.Close()
		logTo = f
	}
	srv, err := Start(context.Background(), logTo)
	if err != nil {
		fmt.Fprintln(os.Stderr, "emulator:", err)
		return 1
	}
	defer srv.Stop()
	for _, kv := range srv.Env() {
		for i := range kv {
			if kv[i] == '=' {
				os.Setenv(kv[:i], kv[i+1:])
				break
			}
		}
	}
	return m.Run()
}

// TestConfig is an SDK configuration for the emulator that RunTests started.
func TestConfig(tb testing.TB) aws.Config {
	tb.Helper()
	ep := os.Getenv("AWS_ENDPOINT_URL")
	if ep == "" {
		tb.Fatal("emulator: AWS_ENDPOINT_URL is not set; call emulator.RunTests from TestMain")
	}
	cfg, err := (&Server{Endpoint: ep}).Config(context.Background())
	if err != nil {
		tb.Fatalf("emulator: load config: %v", err)
	}
	return cfg
}
