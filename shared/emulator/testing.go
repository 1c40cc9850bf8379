package emulator

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// RunTests starts an emulator for a test binary, points the standard AWS environment
// variables at it, runs the tests and stops it. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }
//
// Tests then get a configuration with TestConfig.
func RunTests(m *testing.M) int {
	srv, err := Start(context.Background(), nil)
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
