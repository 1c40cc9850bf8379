package stack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// BuildFlags are the `go build` flags of every function bootstrap: a static binary
// (CGO_ENABLED=0) without the RPC runtime, local paths or symbols. They are the Makefile's
// LAMBDA_ENV GOFLAGS, which `make build` and `sam build` use with GOARCH=arm64; the local
// runner uses them with the host's GOARCH, since the host runs the binaries.
func BuildFlags() []string { return []string{"-tags=lambda.norpc", "-trimpath", "-ldflags=-s"} }

// BuildSpec says what to build and where.
type BuildSpec struct {
	Dir     string // folder of the template; CodeUri is relative to it
	CodeURI string // e.g. functions/me/
	Out     string // output file, conventionally .../bootstrap
	GOARCH  string // arm64 for AWS, runtime.GOARCH to run locally
}

// BuildCommand is the `go build` command for spec, with CGO_ENABLED=0 GOOS=linux and
// spec.GOARCH set in its environment.
func BuildCommand(ctx context.Context, spec BuildSpec) *exec.Cmd {
	pkg := "./" + strings.TrimPrefix(filepath.ToSlash(filepath.Clean(spec.CodeURI)), "./")
	args := append([]string{"build"}, BuildFlags()...)
	args = append(args, "-o", spec.Out, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = spec.Dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+spec.GOARCH)
	return cmd
}

// Build builds one bootstrap; the error carries the compiler's output.
func Build(ctx context.Context, spec BuildSpec) error {
	if err := os.MkdirAll(filepath.Dir(spec.Out), 0o755); err != nil {
		return err
	}
	out, err := BuildCommand(ctx, spec).CombinedOutput()
	if err != nil {
		return fmt.Errorf("stack: build %s: %w\n%s", spec.CodeURI, err, strings.TrimSpace(string(out)))
	}
	return nil
}
